import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HoldfastError } from '@holdfast/contracts';
import { ApiClient, apiClientFromEnv } from './api-client';

describe('ApiClient', () => {
  let server: Server;
  let url: string;
  const seen: { auth?: string; path?: string; tenant?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ auth: req.headers.authorization, path: req.url, ...(req.headers['x-holdfast-tenant'] ? { tenant: String(req.headers['x-holdfast-tenant']) } : {}) });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/ok') res.end(JSON.stringify({ fine: true }));
      else if (req.url === '/denied') {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: { code: 'unauthenticated', message: 'Invalid or revoked API token' } }));
      } else {
        res.statusCode = 502;
        res.end('<html>bad gateway</html>');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the token as a bearer and returns the JSON answer', async () => {
    const client = new ApiClient({ url, token: 'hf_abc' });
    expect(await client.get('/ok')).toEqual({ fine: true });
    expect(seen.at(-1)).toEqual({ auth: 'Bearer hf_abc', path: '/ok' });
  });

  it("turns an error answer into the server's code and message", async () => {
    const err = await new ApiClient({ url, token: 'x' }).get('/denied').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HoldfastError);
    expect(err).toMatchObject({ code: 'unauthenticated', message: 'Invalid or revoked API token' });
  });

  it('names the HTTP status when the answer carries no error body', async () => {
    await expect(new ApiClient({ url, token: 'x' }).get('/other')).rejects.toThrow(/HTTP 502/);
  });

  it('says the server cannot be reached', async () => {
    await expect(new ApiClient({ url: 'http://127.0.0.1:9', token: 'x' }).get('/ok')).rejects.toThrow(/cannot reach Holdfast at/);
  });

  it('acts for the tenant HOLDFAST_TENANT names, and refuses a malformed one', async () => {
    const client = apiClientFromEnv({ HOLDFAST_URL: url, HOLDFAST_TOKEN: 'hf_t', HOLDFAST_TENANT: 'acme-ltd' });
    await client.get('/ok');
    expect(seen.at(-1)).toEqual({ auth: 'Bearer hf_t', path: '/ok', tenant: 'acme-ltd' });
    await apiClientFromEnv({ HOLDFAST_URL: url, HOLDFAST_TOKEN: 'hf_t' }).get('/ok');
    expect(seen.at(-1)).toEqual({ auth: 'Bearer hf_t', path: '/ok' });
    expect(() => apiClientFromEnv({ HOLDFAST_URL: url, HOLDFAST_TOKEN: 't', HOLDFAST_TENANT: '../x' })).toThrow(/HOLDFAST_TENANT: not a tenant id/);
  });

  it('names the missing settings', () => {
    expect(() => apiClientFromEnv({})).toThrow(/HOLDFAST_URL and HOLDFAST_TOKEN are not set/);
    expect(() => apiClientFromEnv({ HOLDFAST_URL: url })).toThrow(/^HOLDFAST_TOKEN is not set/);
    expect(() => apiClientFromEnv({ HOLDFAST_URL: 'nope', HOLDFAST_TOKEN: 't' })).toThrow(/HOLDFAST_URL: not a URL/);
  });
});
