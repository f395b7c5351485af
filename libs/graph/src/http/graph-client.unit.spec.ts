import { Readable } from 'node:stream';
import { resolveCloud } from '../auth/clouds';
import { ManualClock } from '../clock';
import { CachingTokenProvider, staticTokenProvider } from '../auth/token-provider';
import { GraphAuthError, GraphNotFoundError, GraphPermissionError, GraphThrottledError, GraphTransientError } from '../errors/graph-errors';
import { InMemoryGraphMetrics } from '../metrics';
import { Pacer } from '../pacing/pacer';
import { FakeAnswer, FakeGraphTransport, RecordedRequest } from '../testing/fake-transport';
import { GraphClient, GraphClientOptions } from './graph-client';

const cloud = resolveCloud('global', { graphEndpoint: 'https://graph.test', authorityHost: 'https://login.test' });

function client(handler: (req: RecordedRequest, i: number) => FakeAnswer | Promise<FakeAnswer>, extra: Partial<GraphClientOptions> = {}) {
  const transport = new FakeGraphTransport(handler);
  const metrics = new InMemoryGraphMetrics();
  const c = new GraphClient({
    tenantId: 'contoso',
    cloud,
    apps: [{ appId: 'app-a', tokenProvider: staticTokenProvider('TOKEN-A') }],
    transport,
    metrics,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
  return { c, transport, metrics };
}

describe('GraphClient', () => {
  it('resolves paths against /v1.0 and sends the consistent headers', async () => {
    const { c, transport } = client(() => ({ status: 200, body: { value: [] } }));
    await c.get('/users/alice/messages', { query: { $select: 'id,subject', $top: 10 }, maxPageSize: 50, pacing: { workload: 'exchange', mailbox: 'alice' } });
    const [req] = transport.requests;
    expect(req.url).toBe('https://graph.test/v1.0/users/alice/messages?%24select=id%2Csubject&%24top=10');
    expect(req.headers.authorization).toBe('Bearer TOKEN-A');
    expect(req.headers.prefer).toBe('IdType="ImmutableId", odata.maxpagesize=50');
    expect(req.headers['client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(req.headers.accept).toBe('application/json');
  });

  it('can leave the immutable-id preference out', async () => {
    const { c, transport } = client(() => ({ status: 200, body: {} }), { immutableIds: false });
    await c.get('/users');
    expect(transport.requests[0].headers.prefer).toBeUndefined();
  });

  it('never sends the token to another host (pre-authenticated upload/download URLs)', async () => {
    const { c, transport } = client(() => ({ status: 200, body: {} }));
    await c.get('https://upload.other.test/session/1?tempauth=abc');
    expect(transport.requests[0].headers.authorization).toBeUndefined();
    await c.get('https://graph.test/v1.0/me', { authenticate: false });
    expect(transport.requests[1].headers.authorization).toBeUndefined();
  });

  it('follows a redirect to the download host without the token', async () => {
    const { c, transport } = client((req) =>
      req.url.includes('/content') ? { status: 302, headers: { location: 'https://files.test/dl/1' } } : { status: 200, body: Buffer.from('file-bytes') },
    );
    const res = await c.stream({ path: '/drives/d/items/i/content', pacing: { workload: 'sharepoint', kind: 'download' } });
    const chunks: Buffer[] = [];
    for await (const ch of res.body) chunks.push(ch as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('file-bytes');
    expect(transport.requests[1].url).toBe('https://files.test/dl/1');
    expect(transport.requests[1].headers.authorization).toBeUndefined();
  });

  it('retries transient failures and counts the retries', async () => {
    const { c, transport, metrics } = client((_r, i) => (i < 2 ? { status: i === 0 ? 502 : 504 } : { status: 200, body: { ok: true } }));
    await expect(c.get('/users')).resolves.toEqual({ ok: true });
    expect(transport.requests).toHaveLength(3);
    expect(metrics.get('holdfast.graph.retries')).toBe(2);
  });

  it('gives up after maxAttempts with a typed transient error', async () => {
    const { c, transport } = client(() => ({ status: 500, body: { error: { code: 'generalException', message: 'boom' } } }), { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(c.get('/users')).rejects.toBeInstanceOf(GraphTransientError);
    expect(transport.requests).toHaveLength(3);
  });

  it('retries a truncated JSON body', async () => {
    const { c, transport } = client((_r, i) =>
      i === 0 ? { status: 200, headers: { 'content-type': 'application/json', 'content-length': '100' }, body: Readable.from([Buffer.from('{"value":[')]) } : { status: 200, body: { value: [1] } },
    );
    await expect(c.get('/users')).resolves.toEqual({ value: [1] });
    expect(transport.requests).toHaveLength(2);
  });

  it('honours Retry-After: the mailbox pauses, the call is re-sent, and the throttle is counted', async () => {
    const pacer = new Pacer();
    const { c, transport, metrics } = client((_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '0.02' }, body: { error: { code: 'TooManyRequests' } } } : { status: 200, body: { id: 'm1' } }), { pacer });
    const pacing = { workload: 'exchange' as const, mailbox: 'alice' };
    await expect(c.get('/users/alice/messages/m1', { pacing })).resolves.toEqual({ id: 'm1' });
    expect(transport.requests).toHaveLength(2);
    expect(metrics.get('holdfast.graph.throttled')).toBe(1);
    expect(pacer.inspect('contoso', 'app-a', pacing).pausedUntil).toBeGreaterThan(0);
  });

  it('surfaces a throttled error once the throttle retries are used up', async () => {
    const { c } = client(() => ({ status: 429, headers: { 'retry-after': '0' } }), { retry: { maxThrottleRetries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(c.get('/users')).rejects.toBeInstanceOf(GraphThrottledError);
  });

  it('does not retry not-found or permission errors', async () => {
    const { c, transport } = client((r) =>
      r.url.includes('missing') ? { status: 404, body: { error: { code: 'ErrorItemNotFound', message: 'gone' } } } : { status: 403, body: { error: { code: 'ErrorAccessDenied' } } },
    );
    await expect(c.get('/users/a/messages/missing')).rejects.toBeInstanceOf(GraphNotFoundError);
    await expect(c.get('/users/a/contacts')).rejects.toMatchObject({ permission: 'Contacts.Read' });
    await expect(c.get('/users/a/contacts')).rejects.toBeInstanceOf(GraphPermissionError);
    expect(transport.requests).toHaveLength(3);
  });

  it('gets a fresh token once when Graph rejects the token', async () => {
    let n = 0;
    const provider = new CachingTokenProvider(async () => ({ token: `T${++n}`, expiresOnTimestamp: Date.now() + 3_600_000 }));
    const { c, transport } = client((req) => (req.headers.authorization === 'Bearer T1' ? { status: 401, body: { error: { code: 'InvalidAuthenticationToken' } } } : { status: 200, body: {} }), {
      apps: [{ appId: 'app-a', tokenProvider: provider }],
    });
    await c.get('/users');
    expect(transport.requests.map((r) => r.headers.authorization)).toEqual(['Bearer T1', 'Bearer T2']);
  });

  it('stops after a second 401', async () => {
    const { c, transport } = client(() => ({ status: 401 }));
    await expect(c.get('/users')).rejects.toBeInstanceOf(GraphAuthError);
    expect(transport.requests).toHaveLength(2);
  });

  it('streams content and reports a cut-off body as a transient error', async () => {
    const { c } = client(() => ({ status: 200, headers: { 'content-length': '10', 'content-type': 'message/rfc822' }, body: Readable.from([Buffer.from('abc')]) }));
    const res = await c.stream({ path: '/users/a/messages/m/$value', pacing: { workload: 'exchange', mailbox: 'a' } });
    const read = async () => {
      for await (const _ of res.body) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(GraphTransientError);
  });

  it('holds the mailbox slot while a stream is open and frees it when it ends', async () => {
    const pacer = new Pacer();
    const { c } = client(() => ({ status: 200, body: Readable.from([Buffer.from('x')]) }), { pacer });
    const pacing = { workload: 'exchange' as const, mailbox: 'a' };
    const res = await c.stream({ path: '/users/a/messages/m/$value', pacing });
    expect(pacer.inspect('contoso', 'app-a', pacing).inflight).toBe(1);
    for await (const _ of res.body) void _;
    await new Promise((r) => setImmediate(r));
    expect(pacer.inspect('contoso', 'app-a', pacing).inflight).toBe(0);
  });

  it('sends JSON bodies with a content type', async () => {
    const { c, transport } = client(() => ({ status: 201, body: { id: 'new' } }));
    await c.post('/users/a/mailFolders', { displayName: 'Restored' });
    expect(transport.requests[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(transport.requests[0].body!.toString())).toEqual({ displayName: 'Restored' });
  });

  it('pauses the mailbox before freeing the slot, so a waiting request does not slip out into the throttle', async () => {
    const clock = new ManualClock();
    const pacer = new Pacer({ clock, mailbox: { maxConcurrent: 1 } });
    const { c, transport } = client((_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '5' } } : { status: 200, body: {} }), { pacer, clock });
    const pacing = { workload: 'exchange' as const, mailbox: 'alice' };
    const first = c.get('/users/alice/messages/1', { pacing });
    const second = c.get('/users/alice/messages/2', { pacing });
    await clock.advance(4_999);
    expect(transport.requests).toHaveLength(1);
    await clock.advance(1);
    await Promise.all([first, second]);
    expect(transport.requests.map((r) => r.url.slice(-1))).toEqual(['1', '2', '1']);
  });

  it('never hands a token or a pre-authenticated URL to the logger', async () => {
    const lines: string[] = [];
    const logger = { debug: (o: object, m?: string) => lines.push(JSON.stringify(o) + m), info: (o: object, m?: string) => lines.push(JSON.stringify(o) + m), warn: (o: object, m?: string) => lines.push(JSON.stringify(o) + m) };
    const { c } = client((r) => (r.url.includes('upload') ? { status: 500 } : { status: 200, body: {} }), { logger, retry: { maxAttempts: 1 } });
    await c.get('/users');
    await c.get('https://upload.test/session/abcdefabcdefabcdefabcdefabcdefabcdefabcdef?tempauth=SECRET').catch(() => undefined);
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(all).not.toContain('TOKEN-A');
    expect(all).not.toContain('SECRET');
    expect(all).not.toContain('abcdefabcdefabcdefabcdefabcdefabcdefabcdef');
    expect(all).toContain('clientRequestId');
  });
});
