/**
 * OData query options: parsing, $select, a small $filter language, $orderby, and paging with
 * absolute @odata.nextLink + opaque $skiptoken. See FRAMEWORK.md "Paging, $select, $filter".
 */
import { createHmac } from 'node:crypto';
import { GraphHttpError } from './graph-error';
import type { GraphRequest, GraphResponse } from './sim-types';

export interface ODataQuery {
  select?: string[];
  top?: number;
  skip?: number;
  skiptoken?: string;
  filter?: string;
  orderby?: { prop: string; desc: boolean }[];
  count: boolean;
  expand?: string;
  search?: string;
}

export function parseODataQuery(q: Record<string, string>): ODataQuery {
  const out: ODataQuery = { count: false };
  const get = (k: string) => q[`$${k}`] ?? q[k.toLowerCase() === k ? `$${k}` : k];
  const sel = get('select');
  if (sel) out.select = sel.split(',').map((s) => s.trim()).filter(Boolean);
  const top = get('top');
  if (top !== undefined) {
    const n = Number(top);
    if (!Number.isInteger(n) || n < 0) throw new GraphHttpError(400, 'BadRequest', `Invalid value '${top}' for $top query option found.`);
    out.top = n;
  }
  const skip = get('skip');
  if (skip !== undefined) out.skip = Number(skip) || 0;
  const st = q['$skiptoken'];
  if (st) out.skiptoken = st;
  if (q['$filter']) out.filter = q['$filter'];
  if (q['$orderby']) {
    out.orderby = q['$orderby'].split(',').map((p) => {
      const [prop, dir] = p.trim().split(/\s+/);
      return { prop, desc: (dir ?? '').toLowerCase() === 'desc' };
    });
  }
  if (q['$count'] !== undefined) out.count = q['$count'].toLowerCase() === 'true';
  if (q['$expand']) out.expand = q['$expand'];
  if (q['$search']) out.search = q['$search'];
  return out;
}

/** Keeps `id`, `@odata.*` annotations and the selected properties (case-insensitive names). */
export function applySelect<T extends Record<string, unknown>>(obj: T, select: string[] | undefined): Record<string, unknown> {
  if (!select || select.length === 0 || select.includes('*')) return obj;
  const wanted = new Set(select.map((s) => s.toLowerCase()));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'id' || k.startsWith('@') || k.includes('@odata.') || wanted.has(k.toLowerCase())) out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------- $filter

export type FilterNode =
  | { t: 'lit'; v: unknown }
  | { t: 'prop'; path: string[] }
  | { t: 'bin'; op: string; l: FilterNode; r: FilterNode }
  | { t: 'not'; e: FilterNode }
  | { t: 'call'; fn: string; args: FilterNode[] }
  | { t: 'lambda'; path: string[]; op: 'any' | 'all'; v: string; body: FilterNode | null }
  | { t: 'count'; path: string[] };

const TOKEN = /\s*(?:(\()|(\))|(,)|('(?:[^']|'')*')|(-?\d+(?:\.\d+)?(?![\w-]))|(\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)?)|([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})|([A-Za-z_$@][\w$@.]*(?:\/[A-Za-z_$@][\w$@.]*)*(?:\/)?)|(:))/y;

type Tok = { k: 'lp' | 'rp' | 'comma' | 'str' | 'num' | 'date' | 'guid' | 'id' | 'colon'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < s.length) {
    if (/^\s*$/.test(s.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(s);
    if (!m) throw new GraphHttpError(400, 'BadRequest', `Invalid filter clause: syntax error at position ${pos} in '${s}'.`);
    pos = TOKEN.lastIndex;
    if (m[1]) out.push({ k: 'lp', v: '(' });
    else if (m[2]) out.push({ k: 'rp', v: ')' });
    else if (m[3]) out.push({ k: 'comma', v: ',' });
    else if (m[4]) out.push({ k: 'str', v: m[4].slice(1, -1).replace(/''/g, "'") });
    else if (m[6]) out.push({ k: 'date', v: m[6] });
    else if (m[7]) out.push({ k: 'guid', v: m[7] });
    else if (m[5]) out.push({ k: 'num', v: m[5] });
    else if (m[8]) out.push({ k: 'id', v: m[8] });
    else if (m[9]) out.push({ k: 'colon', v: ':' });
  }
  return out;
}

/** Parses an OData $filter into an AST (throws 400 on syntax errors). */
export function parseFilter(src: string): FilterNode {
  const toks = tokenize(src);
  let i = 0;
  const err = (m: string) => new GraphHttpError(400, 'BadRequest', `Invalid filter clause: ${m}`);
  const peek = () => toks[i];
  const expectK = (k: Tok['k']) => {
    const t = toks[i++];
    if (!t || t.k !== k) throw err(`expected ${k}`);
    return t;
  };
  const isWord = (w: string) => peek()?.k === 'id' && peek().v.toLowerCase() === w;

  function parseOr(): FilterNode {
    let l = parseAnd();
    while (isWord('or')) {
      i++;
      l = { t: 'bin', op: 'or', l, r: parseAnd() };
    }
    return l;
  }
  function parseAnd(): FilterNode {
    let l = parseCmp();
    while (isWord('and')) {
      i++;
      l = { t: 'bin', op: 'and', l, r: parseCmp() };
    }
    return l;
  }
  function parseCmp(): FilterNode {
    if (isWord('not')) {
      i++;
      return { t: 'not', e: parseCmp() };
    }
    const l = parseAtom();
    const t = peek();
    if (t?.k === 'id' && ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in'].includes(t.v.toLowerCase())) {
      i++;
      const op = t.v.toLowerCase();
      if (op === 'in') {
        expectK('lp');
        const items: FilterNode[] = [];
        while (peek() && peek().k !== 'rp') {
          items.push(parseAtom());
          if (peek()?.k === 'comma') i++;
        }
        expectK('rp');
        return { t: 'call', fn: 'in', args: [l, ...items] };
      }
      return { t: 'bin', op, l, r: parseAtom() };
    }
    return l;
  }
  function parseAtom(): FilterNode {
    const t = toks[i++];
    if (!t) throw err('unexpected end');
    if (t.k === 'lp') {
      const e = parseOr();
      expectK('rp');
      return e;
    }
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
    if (t.k === 'date') return { t: 'lit', v: new Date(t.v).toISOString() };
    if (t.k === 'guid') return { t: 'lit', v: t.v.toLowerCase() };
    if (t.k === 'id') {
      const low = t.v.toLowerCase();
      if (low === 'true' || low === 'false') return { t: 'lit', v: low === 'true' };
      if (low === 'null') return { t: 'lit', v: null };
      if (peek()?.k === 'lp' && !t.v.includes('/')) {
        i++;
        const args: FilterNode[] = [];
        while (peek() && peek().k !== 'rp') {
          args.push(parseOr());
          if (peek()?.k === 'comma') i++;
        }
        expectK('rp');
        return { t: 'call', fn: low, args };
      }
      const segs = t.v.split('/').filter(Boolean);
      const last = segs[segs.length - 1]?.toLowerCase();
      if ((last === 'any' || last === 'all') && peek()?.k === 'lp') {
        i++;
        const path = segs.slice(0, -1);
        if (peek()?.k === 'rp') {
          i++;
          return { t: 'lambda', path, op: last, v: '', body: null };
        }
        const v = expectK('id').v;
        expectK('colon');
        const body = parseOr();
        expectK('rp');
        return { t: 'lambda', path, op: last, v, body };
      }
      if (last === '$count') return { t: 'count', path: segs.slice(0, -1) };
      return { t: 'prop', path: segs };
    }
    throw err(`unexpected '${t.v}'`);
  }
  const node = parseOr();
  if (i < toks.length) throw err(`unexpected '${toks[i].v}'`);
  return node;
}

function getPath(obj: unknown, path: string[]): unknown {
  let cur: any = obj;
  for (const seg of path) {
    if (cur == null) return undefined;
    if (typeof cur !== 'object') return undefined;
    if (seg in cur) cur = cur[seg];
    else {
      const k = Object.keys(cur).find((x) => x.toLowerCase() === seg.toLowerCase());
      cur = k ? cur[k] : undefined;
    }
  }
  return cur;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a == null && b == null) return 0;
  return NaN;
}

/** Evaluates a filter AST against a (rendered) JSON object. String comparisons ignore case. */
export function evalFilter(node: FilterNode, item: unknown, vars: Record<string, unknown> = {}): unknown {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'prop': {
      if (node.path[0] in vars) return getPath(vars[node.path[0]], node.path.slice(1));
      return getPath(item, node.path);
    }
    case 'count': {
      const v = node.path[0] in vars ? getPath(vars[node.path[0]], node.path.slice(1)) : getPath(item, node.path);
      return Array.isArray(v) ? v.length : 0;
    }
    case 'not':
      return !evalFilter(node.e, item, vars);
    case 'bin': {
      if (node.op === 'and') return !!evalFilter(node.l, item, vars) && !!evalFilter(node.r, item, vars);
      if (node.op === 'or') return !!evalFilter(node.l, item, vars) || !!evalFilter(node.r, item, vars);
      const l = evalFilter(node.l, item, vars);
      const r = evalFilter(node.r, item, vars);
      if (node.op === 'eq') return l == null || r == null ? l == r : cmp(l, r) === 0;
      if (node.op === 'ne') return l == null || r == null ? l != r : cmp(l, r) !== 0;
      const c = cmp(l, r);
      if (Number.isNaN(c)) return false;
      return node.op === 'gt' ? c > 0 : node.op === 'ge' ? c >= 0 : node.op === 'lt' ? c < 0 : c <= 0;
    }
    case 'lambda': {
      const coll = node.path[0] in vars ? getPath(vars[node.path[0]], node.path.slice(1)) : getPath(item, node.path);
      if (!Array.isArray(coll)) return false;
      if (!node.body) return coll.length > 0;
      const test = (x: unknown) => !!evalFilter(node.body!, item, { ...vars, [node.v]: x });
      return node.op === 'any' ? coll.some(test) : coll.every(test);
    }
    case 'call': {
      const a = node.args.map((x) => evalFilter(x, item, vars));
      const s = (x: unknown) => (typeof x === 'string' ? x.toLowerCase() : '');
      switch (node.fn) {
        case 'startswith':
          return typeof a[0] === 'string' && s(a[0]).startsWith(s(a[1]));
        case 'endswith':
          return typeof a[0] === 'string' && s(a[0]).endsWith(s(a[1]));
        case 'contains':
          return typeof a[0] === 'string' && s(a[0]).includes(s(a[1]));
        case 'in':
          return a.slice(1).some((x) => cmp(a[0], x) === 0);
        default:
          throw new GraphHttpError(400, 'BadRequest', `Invalid filter clause: unsupported function '${node.fn}'.`);
      }
    }
  }
}

/** Returns the properties a filter reads (to let a route refuse unsupported filters). */
export function filterProperties(node: FilterNode): string[] {
  const out = new Set<string>();
  const walk = (n: FilterNode) => {
    if (n.t === 'prop' || n.t === 'count') out.add(n.path.join('/'));
    else if (n.t === 'bin') {
      walk(n.l);
      walk(n.r);
    }
    else if (n.t === 'not') walk(n.e);
    else if (n.t === 'call') n.args.forEach(walk);
    else if (n.t === 'lambda') {
      out.add(n.path.join('/'));
      if (n.body) walk(n.body);
    }
  };
  walk(node);
  return [...out];
}

// ---------------------------------------------------------------- paging

export interface PageOptions<T> {
  /** Page size without $top / Prefer (Graph: 100 for users, 10 for messages). */
  defaultPageSize: number;
  /** Largest page (e.g. 999 users, 1000 messages). */
  maxPageSize: number;
  /** Turns an item into its JSON (before $select). Default: identity. */
  render?: (item: T) => Record<string, unknown>;
  /** Apply $filter to the rendered JSON (default true). Set false when the route filtered already. */
  applyFilter?: boolean;
  /** Apply $orderby (default true). */
  applyOrderBy?: boolean;
  /** `@odata.context` value, e.g. `${req.baseUrl}/$metadata#users`. */
  context?: string;
  /** Include @odata.count (route decides whether $count needs ConsistencyLevel). */
  count?: boolean;
  /** Honour Prefer: odata.maxpagesize (default true). */
  honourMaxPageSize?: boolean;
  /** Properties returned when there is no $select (Graph's default set, e.g. for users). */
  defaultProperties?: string[];
}

export class ODataApi {
  constructor(private readonly tokenKey: Buffer) {}

  parseFilter = parseFilter;
  evalFilter = evalFilter;
  applySelect = applySelect;

  /** A predicate for the request's $filter (undefined when none). */
  filter(req: GraphRequest): ((json: unknown) => boolean) | undefined {
    if (!req.odata.filter) return undefined;
    const ast = parseFilter(req.odata.filter);
    return (json) => !!evalFilter(ast, json);
  }

  /** Opaque, tamper-evident token carrying any JSON (used for $skiptoken). */
  encodeToken(payload: unknown): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const mac = createHmac('sha256', this.tokenKey).update(body).digest('base64url').slice(0, 16);
    return `${body}.${mac}`;
  }

  /** Returns undefined when the token is not one of ours or was altered. */
  decodeToken<T>(token: string): T | undefined {
    const [body, mac] = token.split('.');
    if (!body || !mac) return undefined;
    const want = createHmac('sha256', this.tokenKey).update(body).digest('base64url').slice(0, 16);
    if (want !== mac) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Effective page size: $top, then Prefer odata.maxpagesize, then the default; capped. */
  pageSize(req: GraphRequest, opts: { defaultPageSize: number; maxPageSize: number; honourMaxPageSize?: boolean }, res?: GraphResponse): number {
    let n = opts.defaultPageSize;
    if (opts.honourMaxPageSize !== false && req.prefer.maxPageSize) {
      n = req.prefer.maxPageSize;
      res?.header('Preference-Applied', `odata.maxpagesize=${Math.min(n, opts.maxPageSize)}`);
    }
    if (req.odata.top !== undefined) n = req.odata.top;
    return Math.max(1, Math.min(n, opts.maxPageSize));
  }

  /** Absolute URL for this request's path with extra/replaced query options. */
  link(req: GraphRequest, set: Record<string, string | undefined>, path = req.path): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query)) if (!(k in set)) params.set(k, v);
    for (const [k, v] of Object.entries(set)) if (v !== undefined) params.set(k, v);
    const qs = params.toString().replace(/%24/g, '$').replace(/%2C/g, ',');
    return `${req.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /**
   * Answers one page of a collection: applies $filter, $orderby, $select, $top/maxpagesize,
   * $skiptoken; adds @odata.context, @odata.count (when opts.count) and @odata.nextLink.
   */
  page<T>(req: GraphRequest, res: GraphResponse, items: readonly T[], opts: PageOptions<T>): void {
    const render = opts.render ?? ((x: T) => x as unknown as Record<string, unknown>);
    let rendered: Record<string, unknown>[] | null = null;
    let list: readonly T[] = items;
    if (opts.applyFilter !== false && req.odata.filter) {
      const ast = parseFilter(req.odata.filter);
      const keep: T[] = [];
      rendered = [];
      for (const it of items) {
        const j = render(it);
        if (evalFilter(ast, j)) {
          keep.push(it);
          rendered.push(j);
        }
      }
      list = keep;
    }
    if (opts.applyOrderBy !== false && req.odata.orderby?.length) {
      const r = rendered ?? list.map(render);
      const idx = r.map((_, k) => k);
      const ob = req.odata.orderby;
      idx.sort((a, b) => {
        for (const o of ob) {
          const c = cmp(getPath(r[a], o.prop.split('/')), getPath(r[b], o.prop.split('/')));
          if (c) return o.desc ? -c : c;
        }
        return 0;
      });
      list = idx.map((k) => list[k]);
      rendered = idx.map((k) => r[k]);
    }
    const size = this.pageSize(req, opts, res);
    let skip = 0;
    if (req.odata.skiptoken) {
      const t = this.decodeToken<{ s: number }>(req.odata.skiptoken);
      if (!t || typeof t.s !== 'number') throw new GraphHttpError(400, 'Request_BadRequest', 'Invalid $skiptoken.');
      skip = t.s;
    } else if (req.odata.skip) skip = req.odata.skip;
    const end = Math.min(skip + size, list.length);
    const value: Record<string, unknown>[] = [];
    const sel = req.odata.select ?? opts.defaultProperties;
    for (let k = skip; k < end; k++) value.push(applySelect(rendered ? rendered[k] : render(list[k]), sel));
    const body: Record<string, unknown> = {};
    if (opts.context) body['@odata.context'] = opts.context;
    if (opts.count) body['@odata.count'] = list.length;
    // With $top alone (no paging intent) Graph still pages for directory objects; keep nextLink.
    if (end < list.length) body['@odata.nextLink'] = this.link(req, { $skiptoken: this.encodeToken({ s: end }), $skip: undefined });
    body.value = value;
    res.json(body);
  }
}
