/**
 * Delta support: a change log per collection (global change sequence), an opaque token codec
 * (module/collection/position/query, tamper-evident, expirable on demand) and a generic
 * delta responder. See FRAMEWORK.md "Delta".
 */
import { GraphHttpError } from './graph-error';
import type { ODataApi } from './odata';
import type { GraphRequest, GraphResponse } from './sim-types';

export type ChangeKind = 'created' | 'updated' | 'deleted' | 'changed';

export interface Change {
  id: string;
  seq: number;
  kind: ChangeKind;
}

/**
 * Change log of one collection (a mail folder, a drive, a channel...). Seeded content has no
 * entries (it exists "before" sequence 0). Appliers call `record()` so replay rebuilds it.
 */
export class ChangeLog {
  private readonly changes: Change[] = [];
  private readonly lastById = new Map<string, Change>();

  /** Monotonic sequence shared by every ChangeLog of the process, so positions never go back. */
  static globalSeq = 0;

  get head(): number {
    return this.changes.length ? this.changes[this.changes.length - 1].seq : 0;
  }

  record(id: string, kind: ChangeKind): number {
    const c: Change = { id, seq: ++ChangeLog.globalSeq, kind };
    this.changes.push(c);
    this.lastById.set(id, c);
    return c.seq;
  }

  /** Latest change per id with from < seq <= upto, in sequence order. */
  since(from: number, upto = Number.MAX_SAFE_INTEGER): Change[] {
    // binary search the first change after `from`
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.changes[mid].seq <= from) lo = mid + 1;
      else hi = mid;
    }
    const latest = new Map<string, Change>();
    for (let k = lo; k < this.changes.length && this.changes[k].seq <= upto; k++) latest.set(this.changes[k].id, this.changes[k]);
    return [...latest.values()].sort((a, b) => a.seq - b.seq);
  }

  last(id: string): Change | undefined {
    return this.lastById.get(id);
  }
}

export interface DeltaTokenState {
  /** module name */
  m: string;
  /** collection key, e.g. `mail:<mailboxId>:<folderId>` */
  c: string;
  /** tenant id */
  t: string;
  /** position: changes after this sequence are due */
  p: number;
  /** for nextLinks inside one round: upper bound of the round and items already sent */
  u?: number;
  o?: number;
  /** initial enumeration round (no token yet) */
  i?: boolean;
  /** initial round: last id sent (items are enumerated in id order, so deletions never shift) */
  a?: string;
  /** the query that the token is bound to ($select, filters, ...), module-defined */
  q?: Record<string, string>;
  /** expiry epoch */
  e: number;
}

export interface DeltaExpiredError {
  status: number;
  code: string;
  message: string;
}

export const DEFAULT_DELTA_EXPIRED: DeltaExpiredError = {
  status: 410,
  code: 'syncStateNotFound',
  message: 'The sync state generation is not found. Please restart the sync.',
};

export interface DeltaRespondOptions<T> {
  module: string;
  collection: string;
  log: ChangeLog;
  /** Every live item, in a stable order (initial round). */
  all: () => readonly T[];
  /** Current item by id (undefined when gone). */
  get: (id: string) => T | undefined;
  id: (item: T) => string;
  render: (item: T) => Record<string, unknown>;
  /** How a removal looks; default `{id, '@removed': {reason}}` (drives: `{id, deleted: {}}`). */
  renderRemoved?: (id: string, reason: 'deleted' | 'changed') => Record<string, unknown>;
  /** Is the item in scope of this delta (e.g. still in this folder)? Out of scope => removed 'changed'. */
  inScope?: (item: T) => boolean;
  defaultPageSize: number;
  maxPageSize: number;
  /** Query values the token binds (e.g. $select) so next rounds repeat them. */
  bind?: Record<string, string>;
  expiredError?: DeltaExpiredError;
  /** Name of the query parameter carrying tokens in links ('$deltatoken'/'$skiptoken' or 'token' for drives). */
  deltaParam?: string;
  skipParam?: string;
  context?: string;
}

export class DeltaApi {
  /** tenant -> collection prefix -> epoch; a token with an older epoch is expired. */
  private readonly epochs = new Map<string, number>();
  private globalEpoch = 0;

  constructor(private readonly odata: ODataApi) {}

  private epochFor(tenant: string, collection: string): number {
    let e = this.globalEpoch;
    for (const [k, v] of this.epochs) {
      const [t, prefix] = k.split('\u0000');
      if ((t === '*' || t === tenant) && collection.startsWith(prefix)) e = Math.max(e, v);
    }
    return e;
  }

  private sortCache = new Map<string, { head: number; at: number; items: readonly unknown[] }>();

  private sortedById<T>(collection: string, head: number, all: () => T[], id: (x: T) => string): readonly T[] {
    const hit = this.sortCache.get(collection);
    if (hit && hit.head === head && Date.now() - hit.at < 30_000) return hit.items as T[];
    const items = all().sort((x, y) => (id(x) < id(y) ? -1 : id(x) > id(y) ? 1 : 0));
    if (this.sortCache.size > 500) this.sortCache.clear();
    this.sortCache.set(collection, { head, at: Date.now(), items });
    return items;
  }

  /** Expires every token of a tenant (or all tenants) whose collection starts with `prefix`. */
  expire(tenant: string | undefined, prefix = ''): void {
    const k = `${tenant ?? '*'}\u0000${prefix}`;
    this.epochs.set(k, Date.now());
  }

  encode(state: Omit<DeltaTokenState, 'e'>): string {
    return this.odata.encodeToken({ ...state, e: this.epochFor(state.t, state.c) });
  }

  /** Decodes and validates a token for (tenant, module, collection); throws 410/400 as Graph. */
  decode(req: GraphRequest, token: string, expect: { module: string; collection: string; expiredError?: DeltaExpiredError }): DeltaTokenState {
    const s = this.odata.decodeToken<DeltaTokenState>(token);
    const err = expect.expiredError ?? DEFAULT_DELTA_EXPIRED;
    if (!s || s.m !== expect.module || s.c !== expect.collection || s.t !== req.tenant.id) {
      throw new GraphHttpError(400, 'SyncStateInvalid', 'The sync state is invalid for this request.');
    }
    if (s.e < this.epochFor(s.t, s.c)) {
      throw new GraphHttpError(err.status, err.code, err.message);
    }
    return s;
  }

  /**
   * Generic delta answer. Without a token: all live items (paged), then a deltaLink at the
   * head taken when the round started. With a deltatoken: latest change per id since the
   * position (created/updated => rendered item, deleted => removed 'deleted', out of scope
   * => removed 'changed'). Pages with nextLink (skiptoken) inside a round.
   */
  respond<T>(req: GraphRequest, res: GraphResponse, o: DeltaRespondOptions<T>): void {
    const dp = o.deltaParam ?? '$deltatoken';
    const sp = o.skipParam ?? '$skiptoken';
    const raw = req.query[sp] ?? req.query[dp];
    if (raw === 'latest') {
      // start from now: an empty page and a deltaLink at the head
      const next = this.encode({ m: o.module, c: o.collection, t: req.tenant.id, p: o.log.head, q: o.bind });
      const strip: Record<string, undefined> = {};
      for (const k of Object.keys(req.query)) strip[k] = undefined;
      res.json({ ...(o.context ? { '@odata.context': o.context } : {}), '@odata.deltaLink': this.odata.link(req, { ...strip, ...(o.bind ?? {}), [dp]: next }), value: [] });
      return;
    }
    let st: DeltaTokenState;
    if (raw) st = this.decode(req, raw, { module: o.module, collection: o.collection, expiredError: o.expiredError });
    else st = { m: o.module, c: o.collection, t: req.tenant.id, p: 0, i: true, q: o.bind, e: 0 };
    const size = this.odata.pageSize(req, { defaultPageSize: o.defaultPageSize, maxPageSize: o.maxPageSize }, res);
    const upto = st.u ?? o.log.head;
    const offset = st.o ?? 0;
    const removed = o.renderRemoved ?? ((id, reason) => ({ id, '@removed': { reason } }));
    const inScope = o.inScope ?? (() => true);
    const select = req.odata.select ?? (st.q?.$select ? st.q.$select.split(',') : undefined);
    const out: Record<string, unknown>[] = [];
    let total = 0;
    let lastId: string | undefined;
    let more: boolean;
    if (st.i) {
      const items = this.sortedById(o.collection, o.log.head, () => o.all().filter(inScope), o.id);
      let k = 0;
      if (st.a !== undefined) {
        let lo = 0;
        let hi = items.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (o.id(items[mid]) <= st.a) lo = mid + 1;
          else hi = mid;
        }
        k = lo;
      }
      const end = Math.min(items.length, k + size);
      for (; k < end; k++) {
        out.push(this.odata.applySelect(o.render(items[k]), select));
        lastId = o.id(items[k]);
      }
      more = end < items.length;
    } else {
      const changes = o.log.since(st.p, upto);
      total = changes.length;
      for (let k = offset; k < Math.min(total, offset + size); k++) {
        const c = changes[k];
        const item = o.get(c.id);
        if (c.kind === 'changed' || (item && !inScope(item))) out.push(removed(c.id, 'changed'));
        else if (c.kind === 'deleted' || !item) out.push(removed(c.id, 'deleted'));
        else out.push(this.odata.applySelect(o.render(item), select));
      }
      more = offset + size < total;
    }
    const body: Record<string, unknown> = {};
    if (o.context) body['@odata.context'] = o.context;
    const keep = { ...(st.q ?? {}) };
    const strip: Record<string, undefined> = {};
    for (const k of Object.keys(req.query)) strip[k] = undefined;
    if (more) {
      const next = this.encode({ m: o.module, c: o.collection, t: req.tenant.id, p: st.p, u: upto, o: offset + size, i: st.i, a: lastId, q: st.q });
      body['@odata.nextLink'] = this.odata.link(req, { ...strip, ...keep, [sp]: next });
    } else {
      const next = this.encode({ m: o.module, c: o.collection, t: req.tenant.id, p: upto, q: st.q });
      body['@odata.deltaLink'] = this.odata.link(req, { ...strip, ...keep, [dp]: next });
    }
    body.value = out;
    res.json(body);
  }
}
