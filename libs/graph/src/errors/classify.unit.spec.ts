import { classifyAuthError, classifyNetworkError, classifyResponse } from './classify';
import {
  GraphAuthError,
  GraphBadRequestError,
  GraphConflictError,
  GraphDeltaExpiredError,
  GraphNotFoundError,
  GraphPermissionError,
  GraphThrottledError,
  GraphTransientError,
} from './graph-errors';
import { redact, safeUrl } from './redact';
import { parseRetryAfter, retryAfterFromHeaders } from './retry-after';

const NOW = Date.UTC(2026, 10, 22, 5, 0, 0);
const err = (code: string, message = 'x') => ({ error: { code, message } });

describe('parseRetryAfter', () => {
  it.each([
    ['5', 5_000],
    ['0', 0],
    ['2.128', 2_128],
    ['0.0005', 1],
    [' 7 ', 7_000],
  ])('reads delta-seconds %p as %p ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it('reads an HTTP date relative to now, and a past date as 0', () => {
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
  });

  it('ignores missing and unreadable values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('12abc', NOW)).toBeUndefined();
  });

  it('falls back to the millisecond headers', () => {
    expect(retryAfterFromHeaders({ 'x-ms-retry-after-ms': '1500' }, NOW)).toBe(1_500);
    expect(retryAfterFromHeaders({ 'Retry-After': '3' }, NOW)).toBe(3_000);
  });
});

describe('classifyResponse', () => {
  it('returns nothing for successes', () => {
    expect(classifyResponse({ status: 200 })).toBeUndefined();
    expect(classifyResponse({ status: 302 })).toBeUndefined();
  });

  it('makes 429 a throttled error with the Retry-After wait', () => {
    const e = classifyResponse({ status: 429, headers: { 'retry-after': '2.5', 'request-id': 'rq-1' }, body: err('TooManyRequests'), method: 'GET', url: 'https://g/v1.0/users/a/messages' }, NOW);
    expect(e).toBeInstanceOf(GraphThrottledError);
    expect((e as GraphThrottledError).retryAfterMs).toBe(2_500);
    expect((e as GraphThrottledError).retryAfterGiven).toBe(true);
    expect(e!.code).toBe('throttled');
    expect(e!.requestId).toBe('rq-1');
    expect(e!.retryable).toBe(true);
  });

  it('uses the default wait when a 429 has no Retry-After', () => {
    const e = classifyResponse({ status: 429, defaultRetryAfterMs: 4_000 }, NOW) as GraphThrottledError;
    expect(e.retryAfterMs).toBe(4_000);
    expect(e.retryAfterGiven).toBe(false);
  });

  it('treats 503 with Retry-After as throttled and without it as transient', () => {
    expect(classifyResponse({ status: 503, headers: { 'retry-after': new Date(NOW + 10_000).toUTCString() } }, NOW)).toBeInstanceOf(GraphThrottledError);
    expect(classifyResponse({ status: 503 }, NOW)).toBeInstanceOf(GraphTransientError);
  });

  it.each([500, 502, 504])('makes %p transient', (status) => {
    const e = classifyResponse({ status }, NOW)!;
    expect(e).toBeInstanceOf(GraphTransientError);
    expect(e.code).toBe('unavailable');
  });

  it.each(['itemNotFound', 'ErrorItemNotFound'])('makes %p not found', (code) => {
    const e = classifyResponse({ status: 404, body: err(code) }, NOW)!;
    expect(e).toBeInstanceOf(GraphNotFoundError);
    expect(e.graphCode).toBe(code);
    expect(e.code).toBe('not_found');
  });

  it.each([
    [410, undefined],
    [400, 'syncStateNotFound'],
    [400, 'resyncRequired'],
    [400, 'SyncStateInvalid'],
    [400, 'resyncChangesApplyDifferences'],
    [400, 'resyncChangesUploadDifferences'],
  ])('makes %p %p a delta-expired error', (status, code) => {
    const e = classifyResponse({ status, body: code ? err(code) : undefined, headers: { location: 'https://g/v1.0/x/delta' } }, NOW);
    expect(e).toBeInstanceOf(GraphDeltaExpiredError);
    expect((e as GraphDeltaExpiredError).restartUrl).toBe('https://g/v1.0/x/delta');
  });

  it('names the missing permission from the URL when the 403 does not', () => {
    const e = classifyResponse({ status: 403, body: err('ErrorAccessDenied', 'Access is denied.'), method: 'GET', url: 'https://g/v1.0/users/a/mailFolders/inbox/messages' }, NOW) as GraphPermissionError;
    expect(e).toBeInstanceOf(GraphPermissionError);
    expect(e.permission).toBe('Mail.Read');
    expect(e.message).toContain('Mail.Read');
    expect(e.code).toBe('permissions_missing');
  });

  it('prefers the permission Graph names, then the caller’s', () => {
    const named = classifyResponse({ status: 403, body: err('Authorization_RequestDenied', "Missing role permissions on the request. API requires one of 'User.Read.All, Directory.Read.All'.") }, NOW) as GraphPermissionError;
    expect(named.permission).toBe('User.Read.All');
    const given = classifyResponse({ status: 403, body: err('Authorization_RequestDenied'), requiredPermission: 'Sites.Read.All' }, NOW) as GraphPermissionError;
    expect(given.permission).toBe('Sites.Read.All');
    const write = classifyResponse({ status: 403, method: 'POST', url: 'https://g/v1.0/drives/d/items/root/children' }, NOW) as GraphPermissionError;
    expect(write.permission).toBe('Files.ReadWrite.All');
  });

  it('makes 401 a retryable token rejection', () => {
    const e = classifyResponse({ status: 401, body: err('InvalidAuthenticationToken', 'Access token has expired') }, NOW) as GraphAuthError;
    expect(e).toBeInstanceOf(GraphAuthError);
    expect(e.reason).toBe('token_rejected');
  });

  it('makes 400 a bad request and 409 a conflict', () => {
    expect(classifyResponse({ status: 400, body: err('ErrorInvalidIdMalformed') }, NOW)).toBeInstanceOf(GraphBadRequestError);
    const c = classifyResponse({ status: 409, body: err('nameAlreadyExists') }, NOW)!;
    expect(c).toBeInstanceOf(GraphConflictError);
    expect(c.code).toBe('already_exists');
  });

  it('never carries a token from the body or URL into the message', () => {
    const e = classifyResponse({ status: 400, body: err('BadRequest', 'bad header Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.sig'), url: 'https://up.example/x?tempauth=SECRET123' }, NOW)!;
    expect(e.message).not.toContain('eyJhbGciOiJSUzI1NiJ9');
    expect(e.message).not.toContain('SECRET123');
    expect(JSON.stringify(e.toBody())).not.toContain('SECRET123');
  });
});

describe('classifyNetworkError', () => {
  it.each(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'UND_ERR_SOCKET'])('makes %p transient', (code) => {
    expect(classifyNetworkError(Object.assign(new Error('boom'), { code }))).toBeInstanceOf(GraphTransientError);
  });

  it('makes truncated JSON and socket hang-ups transient', () => {
    expect(classifyNetworkError(new SyntaxError('Unexpected end of JSON input'))).toBeInstanceOf(GraphTransientError);
    expect(classifyNetworkError(new Error('socket hang up'))).toBeInstanceOf(GraphTransientError);
  });

  it('leaves programming errors unexpected and not retryable', () => {
    const e = classifyNetworkError(new TypeError('x is not a function'));
    expect(e.kind).toBe('unexpected');
    expect(e.retryable).toBe(false);
  });
});

describe('classifyAuthError', () => {
  const identityError = (description: string, error = 'invalid_client') =>
    Object.assign(new Error(`ClientSecretCredential authentication failed: ${description}`), { errorResponse: { error, errorDescription: description } });

  it.each([
    ['AADSTS90002: Tenant \'x\' not found.', 'tenant_not_found', 'tenant'],
    ['AADSTS700016: Application with identifier \'abc\' was not found in the directory', 'client_not_found', 'client id'],
    ['AADSTS7000215: Invalid client secret provided.', 'secret_invalid', 'secret'],
    ['AADSTS7000222: The provided client secret keys are expired.', 'secret_expired', 'expired'],
    ['AADSTS700027: The certificate with identifier used to sign the client assertion is expired on application.', 'certificate_expired', 'expired'],
    ['AADSTS700027: Client assertion failed signature validation.', 'certificate_invalid', 'not registered'],
  ])('maps %p to %p', (description, reason, words) => {
    const e = classifyAuthError(identityError(description)) as GraphAuthError;
    expect(e).toBeInstanceOf(GraphAuthError);
    expect(e.reason).toBe(reason);
    expect(e.message.toLowerCase()).toContain(words);
    expect(e.code).toBe('credentials_invalid');
  });

  it('makes an unreachable authority retryable', () => {
    const e = classifyAuthError(new Error('endpoints_resolution_error: could not resolve endpoints')) as GraphAuthError;
    expect(e.reason).toBe('authority_unreachable');
    expect(e.retryable).toBe(true);
  });

  it('maps device-code outcomes', () => {
    expect((classifyAuthError(identityError('declined', 'authorization_declined')) as GraphAuthError).reason).toBe('device_code_declined');
    expect((classifyAuthError(identityError('AADSTS70020: expired', 'expired_token')) as GraphAuthError).reason).toBe('device_code_expired');
  });

  it('keeps secrets out of unknown failures', () => {
    const e = classifyAuthError(new Error('weird failure client_secret=hunter2&client_id=abc'));
    expect(e.message).not.toContain('hunter2');
  });
});

describe('redact', () => {
  it('scrubs bearer tokens, JWTs, secret fields and pre-authenticated queries', () => {
    const text = redact('Authorization: Bearer abc.def-ghi {"access_token":"tok","client_secret":"s3"} password=p1');
    expect(text).not.toMatch(/abc\.def|tok"|s3|p1/);
    expect(safeUrl('https://upload.example/u/123?tempauth=xyz', 'https://graph.example')).toBe('https://upload.example/u/123?[redacted]');
    expect(safeUrl('https://graph.example/v1.0/users?$skiptoken=abc', 'https://graph.example')).toContain('$skiptoken=abc');
  });
});
