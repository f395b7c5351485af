import { GraphDeltaExpiredError, GraphError } from '../errors/graph-errors';
import { GraphClient } from '../http/graph-client';
import { PageOptions, pages } from './paging';

/** A deletion (or a move out of scope, `changed`) reported by delta. */
export interface DeltaRemoval {
  readonly id: string;
  readonly reason: 'deleted' | 'changed';
}

export interface DeltaChanges<T> {
  readonly kind: 'changes';
  /** Created or updated items, one per id (later occurrences merged over earlier ones). */
  readonly items: readonly T[];
  readonly removed: readonly DeltaRemoval[];
  /** Store this; the next sync starts from it. */
  readonly deltaLink: string;
  /**
   * True when this result is a complete enumeration (first sync, or the old state expired
   * and the helper started over): anything held locally and absent here was deleted.
   */
  readonly fullEnumeration: boolean;
  /** Why a full enumeration happened instead of an incremental one. */
  readonly resyncReason?: string;
}

export type DeltaItem = { id: string; '@removed'?: { reason?: string }; deleted?: unknown };

export interface DeltaOptions extends Omit<PageOptions, 'path'> {
  /** The delta function URL, e.g. `/users/{id}/mailFolders/{id}/messages/delta`. */
  readonly initialPath: string;
  /** The stored deltaLink of the previous sync, if any. */
  readonly deltaLink?: string;
  /**
   * When the stored state has expired: 'restart' (default) enumerates again from the start
   * (the result says fullEnumeration) ; 'signal' returns `{kind:'resync-required'}` so the
   * caller chooses its own fallback.
   */
  readonly onExpired?: 'restart' | 'signal';
}

export interface DeltaResyncRequired {
  readonly kind: 'resync-required';
  readonly reason: string;
  /** A fresh start URL offered by the service (410 Location). */
  readonly restartUrl?: string;
}

/** A delta entry is a removal: `@removed` (Outlook, directory) or the drive `deleted` facet. */
export function removalOf(item: DeltaItem): DeltaRemoval | undefined {
  if (item['@removed']) return { id: item.id, reason: item['@removed'].reason === 'changed' ? 'changed' : 'deleted' };
  if (item.deleted !== undefined && item.deleted !== null) return { id: item.id, reason: 'deleted' };
  return undefined;
}

export type DeltaChange<T> = { readonly item: T; readonly removal?: undefined } | { readonly removal: DeltaRemoval; readonly item?: undefined };

export interface DeltaPage<T> {
  readonly upserts: T[];
  readonly removed: DeltaRemoval[];
  /** Upserts and removals in the order the service sent them. */
  readonly changes: DeltaChange<T>[];
  /** Present on the last page only. */
  readonly deltaLink?: string;
}

/**
 * Streams delta changes page by page (flat memory for huge folders and drives). The last
 * yielded value carries the new deltaLink. Duplicates across pages are possible; later wins.
 * Throws GraphDeltaExpiredError when the state has expired.
 */
export async function* deltaPages<T extends DeltaItem>(
  client: GraphClient,
  options: Omit<DeltaOptions, 'onExpired'>,
): AsyncGenerator<DeltaPage<T>> {
  const start = options.deltaLink ?? options.initialPath;
  for await (const page of pages<T>(client, { ...options, path: start, query: options.deltaLink ? undefined : options.query })) {
    const upserts: T[] = [];
    const removed: DeltaRemoval[] = [];
    const changes: DeltaChange<T>[] = [];
    for (const item of page.value) {
      const removal = removalOf(item);
      if (removal) {
        removed.push(removal);
        changes.push({ removal });
      } else {
        upserts.push(item);
        changes.push({ item });
      }
    }
    yield { upserts, removed, changes, deltaLink: page.deltaLink };
  }
}

/**
 * Runs one delta sync to its deltaLink and returns the merged changes: one entry per id,
 * removals winning over earlier upserts and later upserts over earlier removals (an item can
 * leave and come back within one round). For very large collections use `deltaPages`.
 */
export async function deltaQuery<T extends DeltaItem>(client: GraphClient, options: DeltaOptions): Promise<DeltaChanges<T> | DeltaResyncRequired> {
  try {
    return await collect<T>(client, options, !options.deltaLink);
  } catch (err) {
    if (!(err instanceof GraphDeltaExpiredError)) throw err;
    if ((options.onExpired ?? 'restart') === 'signal') return { kind: 'resync-required', reason: err.graphCode ?? `HTTP ${err.status}`, restartUrl: err.restartUrl };
    const reason = err.graphCode ?? `HTTP ${err.status ?? 410}`;
    // Start over without the old state; a service-provided Location is used when it is on Graph.
    const restart = err.restartUrl && sameOrigin(client, err.restartUrl) ? err.restartUrl : undefined;
    const result = await collect<T>(client, { ...options, deltaLink: restart }, true);
    return { ...result, resyncReason: reason };
  }
}

function sameOrigin(client: GraphClient, url: string): boolean {
  try {
    return new URL(url, client.baseUrl).origin === client.origin;
  } catch {
    return false;
  }
}

async function collect<T extends DeltaItem>(client: GraphClient, options: DeltaOptions, fullEnumeration: boolean): Promise<DeltaChanges<T>> {
  const state = new Map<string, { item?: T; removal?: DeltaRemoval }>();
  let deltaLink: string | undefined;
  for await (const page of deltaPages<T>(client, options)) {
    for (const change of page.changes) {
      if (change.removal) {
        state.set(change.removal.id, { removal: change.removal });
      } else {
        const prev = state.get(change.item.id)?.item;
        state.set(change.item.id, { item: prev ? ({ ...prev, ...change.item } as T) : change.item });
      }
    }
    if (page.deltaLink) deltaLink = page.deltaLink;
  }
  if (!deltaLink) throw new GraphError('unexpected', 'The delta round ended without a deltaLink');
  const items: T[] = [];
  const removed: DeltaRemoval[] = [];
  for (const entry of state.values()) {
    if (entry.item) items.push(entry.item);
    else if (entry.removal) removed.push(entry.removal);
  }
  return { kind: 'changes', items, removed, deltaLink, fullEnumeration };
}
