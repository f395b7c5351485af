import { HoldfastError } from '@holdfast/contracts';

/**
 * The paging, sorting and filtering convention of every list route:
 * `?limit=50&offset=0&sort=name` (or `sort=-name` for descending), route-specific filters
 * as plain query parameters; answers `{ items, total, limit, offset }`.
 */
export interface ListQuery<S extends string> {
  readonly limit: number;
  readonly offset: number;
  readonly sort: S;
  readonly descending: boolean;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

function intParam(name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new HoldfastError('validation_failed', `Query parameter ${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

export function parseListQuery<S extends string>(
  query: Record<string, unknown>,
  sortable: readonly S[],
  defaultSort: S | `-${S}`,
): ListQuery<S> {
  const rawSort = query.sort === undefined || query.sort === '' ? defaultSort : query.sort;
  if (typeof rawSort !== 'string') throw new HoldfastError('validation_failed', 'Query parameter sort must be one field name');
  const descending = rawSort.startsWith('-');
  const field = (descending ? rawSort.slice(1) : rawSort) as S;
  if (!sortable.includes(field)) {
    throw new HoldfastError('validation_failed', `Query parameter sort must be one of ${sortable.join(', ')} (prefix - to sort descending)`);
  }
  return {
    limit: intParam('limit', query.limit, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    offset: intParam('offset', query.offset, 0, 0, 1_000_000_000),
    sort: field,
    descending,
  };
}

/** A single optional string filter; refuses arrays (`?q=a&q=b`) with a clear message. */
export function stringParam(query: Record<string, unknown>, name: string, maxLength = 200): string | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || v.length > maxLength) {
    throw new HoldfastError('validation_failed', `Query parameter ${name} must be one text of at most ${maxLength} characters`);
  }
  return v;
}

/** An optional ISO date-time filter. */
export function timeParam(query: Record<string, unknown>, name: string): string | undefined {
  const v = stringParam(query, name, 40);
  if (v === undefined) return undefined;
  if (Number.isNaN(Date.parse(v))) throw new HoldfastError('validation_failed', `Query parameter ${name} must be an ISO date-time`);
  return new Date(v).toISOString();
}
