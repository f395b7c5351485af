import { HoldfastError } from '@holdfast/contracts';
import { GraphClient, GraphRequestOptions } from '../http/graph-client';

/** One page of a collection. */
export interface GraphPage<T> {
  readonly value: readonly T[];
  readonly nextLink?: string;
  readonly deltaLink?: string;
}

interface RawPage<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export type PageOptions = Omit<GraphRequestOptions, 'method' | 'body'> & {
  /** Stop after this many pages (a guard against a service that never ends). Default 1,000,000. */
  readonly maxPages?: number;
};

/**
 * Walks a collection page by page: follows `@odata.nextLink` until a page has none (or
 * carries `@odata.deltaLink`). Empty pages with a nextLink are followed, not taken as the end.
 * Links are only followed on the client's Graph origin, so a token never leaves for another host.
 */
export async function* pages<T>(client: GraphClient, options: PageOptions): AsyncGenerator<GraphPage<T>> {
  let path: string | undefined = options.path;
  let query = options.query;
  const maxPages = options.maxPages ?? 1_000_000;
  for (let n = 0; path !== undefined; n++) {
    if (n >= maxPages) throw new HoldfastError('internal', `paging stopped after ${maxPages} pages of ${options.path}`);
    const raw: RawPage<T> = (await client.request<RawPage<T>>({ ...options, path, query, method: 'GET' })).body ?? {};
    const nextLink = raw['@odata.nextLink'];
    const deltaLink = raw['@odata.deltaLink'];
    yield { value: raw.value ?? [], nextLink, deltaLink };
    if (deltaLink || !nextLink) return;
    assertSameOrigin(client, nextLink);
    path = nextLink;
    query = undefined; // the link already encodes the query
  }
}

/** Every item of a collection, streamed item by item (memory stays flat). */
export async function* iterateAll<T>(client: GraphClient, options: PageOptions): AsyncGenerator<T> {
  for await (const page of pages<T>(client, options)) yield* page.value;
}

/** Every item of a collection in one array: for small collections (users of a test tenant, folders). */
export async function pageAll<T>(client: GraphClient, options: PageOptions): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages<T>(client, options)) out.push(...page.value);
  return out;
}

export function assertSameOrigin(client: GraphClient, link: string): void {
  let origin: string;
  try {
    origin = new URL(link, client.baseUrl).origin;
  } catch {
    throw new HoldfastError('internal', 'Graph returned an unreadable paging link');
  }
  if (origin !== client.origin) throw new HoldfastError('internal', `Graph returned a paging link to another host (${origin}); refusing to send the token there`);
}
