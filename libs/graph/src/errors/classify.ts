import { describeAadsts, extractAadsts } from './aadsts';
import {
  GraphAuthError,
  GraphBadRequestError,
  GraphConflictError,
  GraphDeltaExpiredError,
  GraphError,
  GraphErrorDetails,
  GraphNotFoundError,
  GraphPermissionError,
  GraphThrottledError,
  GraphTransientError,
} from './graph-errors';
import { guessPermission, permissionFromMessage } from './permissions';
import { redact } from './redact';
import { HeaderBag, headerValue, retryAfterFromHeaders } from './retry-after';

/** Graph error codes meaning "your delta/sync state is gone, start over". */
const DELTA_EXPIRED_CODES = new Set(
  [
    'syncStateNotFound',
    'syncStateInvalid',
    'resyncRequired',
    'resyncChangesApplyDifferences',
    'resyncChangesUploadDifferences',
    'resyncApplyDifferences',
    'resyncUploadDifferences',
    'fullSyncRequired',
    'ErrorSyncStateNotFound',
    'ErrorInvalidSyncStateData',
    'ErrorSyncFolderNotFound',
  ].map((c) => c.toLowerCase()),
);

const THROTTLE_CODES = new Set(['toomanyrequests', 'activitylimitreached', 'throttledrequest', 'applicationthrottled', 'mailboxconcurrency']);
const NOT_FOUND_CODES = new Set(['itemnotfound', 'erroritemnotfound', 'resourcenotfound', 'request_resourcenotfound', 'errorfoldernotfound', 'mailboxnotenabledforrestapi', 'errorinvaliduser']);
const PERMISSION_CODES = new Set(['authorization_requestdenied', 'erroraccessdenied', 'accessdenied', 'forbidden']);

export interface GraphErrorBody {
  readonly code?: string;
  readonly message?: string;
  readonly innerError?: { code?: string; 'request-id'?: string };
}

/** Reads `{error:{code,message,innerError}}` from a parsed or raw body. */
export function readErrorBody(body: unknown): GraphErrorBody {
  let value = body;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      value = JSON.parse(value.toString());
    } catch {
      return {};
    }
  }
  if (!value || typeof value !== 'object') return {};
  const err = (value as { error?: unknown }).error;
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    const inner = (e.innerError ?? e.innererror) as GraphErrorBody['innerError'];
    return { code: typeof e.code === 'string' ? e.code : undefined, message: typeof e.message === 'string' ? e.message : undefined, innerError: inner };
  }
  if (typeof err === 'string') {
    const v = value as { error_description?: string };
    return { code: err, message: v.error_description };
  }
  return {};
}

export interface ResponseFacts {
  readonly status: number;
  readonly headers?: HeaderBag;
  /** Parsed JSON or raw text/buffer of the answer, if any. */
  readonly body?: unknown;
  readonly method?: string;
  readonly url?: string;
  readonly clientRequestId?: string;
  /** The caller knows which permission the call needs. */
  readonly requiredPermission?: string;
  /** Wait used when a throttled answer has no usable Retry-After. */
  readonly defaultRetryAfterMs?: number;
}

function isDeltaExpiredCode(code: string | undefined): boolean {
  return !!code && DELTA_EXPIRED_CODES.has(code.toLowerCase());
}

/**
 * The typed error for an HTTP answer, or undefined for a success (2xx, 3xx). Everything in
 * the result's message is redacted.
 */
export function classifyResponse(facts: ResponseFacts, now: number = Date.now()): GraphError | undefined {
  const { status } = facts;
  if (status < 400) return undefined;
  const body = readErrorBody(facts.body);
  const code = body.code;
  const innerCode = body.innerError?.code;
  const info: GraphErrorDetails = {
    status,
    graphCode: code,
    requestId: headerValue(facts.headers, 'request-id') ?? body.innerError?.['request-id'],
    clientRequestId: facts.clientRequestId ?? headerValue(facts.headers, 'client-request-id'),
    method: facts.method,
    url: facts.url ? redact(facts.url) : undefined,
  };
  const what = `${facts.method ?? 'request'} ${facts.url ? redact(stripOrigin(facts.url)) : ''}`.trim();
  const said = body.message ? `: ${redact(body.message)}` : '';
  const lowerCode = code?.toLowerCase();
  const retryAfter = retryAfterFromHeaders(facts.headers, now);

  if (status === 429 || status === 509 || (status === 503 && (retryAfter !== undefined || (lowerCode && THROTTLE_CODES.has(lowerCode))))) {
    const wait = retryAfter ?? facts.defaultRetryAfterMs ?? 10_000;
    return new GraphThrottledError(`Graph throttled ${what} (${status}${code ? ` ${code}` : ''}); retry after ${wait} ms`, wait, retryAfter !== undefined, info);
  }
  if (status === 410 || isDeltaExpiredCode(code) || isDeltaExpiredCode(innerCode)) {
    const location = headerValue(facts.headers, 'location');
    return new GraphDeltaExpiredError(`The delta state of ${what} has expired (${code ?? status}); a full enumeration is needed${said}`, location, info);
  }
  if (status === 500 || status === 502 || status === 503 || status === 504 || status === 408) {
    return new GraphTransientError(`Graph failed transiently on ${what} (${status}${code ? ` ${code}` : ''})${said}`, info);
  }
  if (status === 404 || (lowerCode && NOT_FOUND_CODES.has(lowerCode))) {
    return new GraphNotFoundError(`Not found: ${what}${code ? ` (${code})` : ''}${said}`, info);
  }
  if (status === 401) {
    const aadsts = extractAadsts(body.message ?? '');
    return new GraphAuthError(`Graph rejected the access token for ${what}${said}`, 'token_rejected', aadsts, { ...info, retryable: true });
  }
  if (status === 403 || (lowerCode && PERMISSION_CODES.has(lowerCode))) {
    const permission = facts.requiredPermission ?? permissionFromMessage(body.message ?? '') ?? (facts.method && facts.url ? guessPermission(facts.method, facts.url) : undefined);
    const need = permission ? ` The application needs the ${permission} application permission with admin consent.` : ' The application lacks a permission or admin consent.';
    return new GraphPermissionError(`Access denied for ${what}${code ? ` (${code})` : ''}.${need}`, permission, info);
  }
  if (status === 409 || status === 412) {
    return new GraphConflictError(`Conflict on ${what}${code ? ` (${code})` : ''}${said}`, info);
  }
  if (status >= 400 && status < 500) {
    return new GraphBadRequestError(`Graph refused ${what} (${status}${code ? ` ${code}` : ''})${said}`, info);
  }
  return new GraphError('unexpected', `Graph answered ${status} to ${what}${said}`, info);
}

function stripOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

const TRANSIENT_NET = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'HPE_INVALID_CONSTANT',
]);

/**
 * The typed error for a failure below HTTP (reset, timeout, refused connection, cut-off
 * body). Anything already a GraphError passes through; unknown errors become `unexpected`.
 */
export function classifyNetworkError(err: unknown, context: GraphErrorDetails = {}): GraphError {
  if (err instanceof GraphError) return err;
  const e = err as { code?: string; message?: string; name?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  const message = redact(String(e?.message ?? err));
  if ((code && TRANSIENT_NET.has(code)) || /socket hang up|aborted|premature close|timed? ?out|truncated|unexpected end/i.test(message)) {
    return new GraphTransientError(`Network failure talking to Graph${code ? ` (${code})` : ''}: ${message}`, context);
  }
  if (e?.name === 'SyntaxError') {
    return new GraphTransientError(`Graph answer could not be read (truncated or malformed JSON): ${message}`, context);
  }
  return new GraphError('unexpected', `Graph call failed: ${message}`, context);
}

/**
 * The typed error for a token acquisition failure from @azure/identity / MSAL: AADSTS codes
 * become a reason and a message an administrator can act on; unreachable authorities are
 * retryable.
 */
export function classifyAuthError(err: unknown): GraphError {
  if (err instanceof GraphError) return err;
  const e = err as {
    message?: string;
    errorResponse?: { error?: string; errorDescription?: string; error_description?: string };
    errorCode?: string;
    code?: string;
    statusCode?: number;
  };
  const raw = String(e?.message ?? err);
  const description = e?.errorResponse?.errorDescription ?? e?.errorResponse?.error_description ?? raw;
  const aadsts = extractAadsts(description) ?? extractAadsts(raw);
  const oauthError = e?.errorResponse?.error ?? e?.errorCode;
  if (!aadsts && (/endpoints_resolution_error|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network_error|socket hang up|fetch failed/i.test(raw) || (e?.code && TRANSIENT_NET.has(e.code)))) {
    return new GraphAuthError(`The identity platform could not be reached: ${redact(firstLine(raw))}`, 'authority_unreachable', undefined, { retryable: true });
  }
  const entry = describeAadsts(aadsts, oauthError, description);
  const suffix = aadsts ? ` (AADSTS${aadsts})` : oauthError ? ` (${oauthError})` : '';
  const detail = entry.reason === 'unknown' ? `: ${redact(firstLine(description))}` : '';
  return new GraphAuthError(`${entry.message}${suffix}${detail}`, entry.reason, aadsts, { graphCode: oauthError });
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0].slice(0, 500);
}
