import { ErrorCode, HoldfastError } from '@holdfast/contracts';

/** What went wrong with a Graph or Entra ID call, in terms a caller can act on. */
export type GraphErrorKind =
  | 'throttled'
  | 'transient'
  | 'not_found'
  | 'delta_expired'
  | 'permission_missing'
  | 'auth_failed'
  | 'bad_request'
  | 'conflict'
  | 'unexpected';

/** Why authentication failed, from the AADSTS code (or the 401 answer). */
export type AuthFailureReason =
  | 'tenant_not_found'
  | 'client_not_found'
  | 'secret_invalid'
  | 'secret_expired'
  | 'certificate_invalid'
  | 'certificate_expired'
  | 'assertion_invalid'
  | 'consent_missing'
  | 'application_disabled'
  | 'resource_not_found'
  | 'user_action_required'
  | 'device_code_declined'
  | 'device_code_expired'
  | 'token_rejected'
  | 'authority_unreachable'
  | 'unknown';

export interface GraphErrorDetails {
  readonly status?: number;
  /** Graph's `error.code` (e.g. `ErrorItemNotFound`), or the OAuth error. */
  readonly graphCode?: string;
  /** Graph's `request-id` header, for support tickets. */
  readonly requestId?: string;
  /** Our `client-request-id`, in every log line of the call. */
  readonly clientRequestId?: string;
  readonly method?: string;
  /** Redacted URL. */
  readonly url?: string;
}

const HOLDFAST_CODE: Record<GraphErrorKind, ErrorCode> = {
  throttled: 'throttled',
  transient: 'unavailable',
  not_found: 'not_found',
  delta_expired: 'conflict',
  permission_missing: 'permissions_missing',
  auth_failed: 'credentials_invalid',
  bad_request: 'validation_failed',
  conflict: 'conflict',
  unexpected: 'internal',
};

/**
 * Base of every Graph failure. It is a HoldfastError, so the edge maps it like any other
 * domain error; `kind` is the finer Graph taxonomy. Messages never hold tokens or secrets.
 */
export class GraphError extends HoldfastError {
  readonly kind: GraphErrorKind;
  readonly status?: number;
  readonly graphCode?: string;
  readonly requestId?: string;
  readonly clientRequestId?: string;
  /** Whether repeating the same call later can succeed. */
  readonly retryable: boolean;

  constructor(kind: GraphErrorKind, message: string, info: GraphErrorDetails & { retryable?: boolean; code?: ErrorCode } = {}) {
    const details: Record<string, unknown> = { kind };
    for (const key of ['status', 'graphCode', 'requestId', 'clientRequestId', 'method', 'url'] as const) {
      if (info[key] !== undefined) details[key] = info[key];
    }
    super(info.code ?? HOLDFAST_CODE[kind], message, details);
    this.name = 'GraphError';
    this.kind = kind;
    this.status = info.status;
    this.graphCode = info.graphCode;
    this.requestId = info.requestId;
    this.clientRequestId = info.clientRequestId;
    this.retryable = info.retryable ?? false;
  }
}

/** 429 (or 503/509 with Retry-After): wait `retryAfterMs`, then try again. */
export class GraphThrottledError extends GraphError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    /** Whether the service sent the wait (false: our default was used). */
    readonly retryAfterGiven: boolean,
    info: GraphErrorDetails = {},
  ) {
    super('throttled', message, { ...info, retryable: true });
    this.name = 'GraphThrottledError';
  }
}

/** 500/502/503/504, connection resets, timeouts, truncated bodies: retry with backoff. */
export class GraphTransientError extends GraphError {
  constructor(message: string, info: GraphErrorDetails & { cause?: string } = {}) {
    super('transient', message, { ...info, retryable: true });
    this.name = 'GraphTransientError';
  }
}

/** itemNotFound / ErrorItemNotFound / 404. */
export class GraphNotFoundError extends GraphError {
  constructor(message: string, info: GraphErrorDetails = {}) {
    super('not_found', message, info);
    this.name = 'GraphNotFoundError';
  }
}

/** The delta state is gone (410, syncStateNotFound, resyncRequired...): enumerate again in full. */
export class GraphDeltaExpiredError extends GraphError {
  constructor(
    message: string,
    /** A fresh starting URL when the service offered one (410 `Location`). */
    readonly restartUrl?: string,
    info: GraphErrorDetails = {},
  ) {
    super('delta_expired', message, info);
    this.name = 'GraphDeltaExpiredError';
  }
}

/** 403: the application lacks a permission (named when known) or admin consent. */
export class GraphPermissionError extends GraphError {
  constructor(
    message: string,
    readonly permission?: string,
    info: GraphErrorDetails = {},
  ) {
    super('permission_missing', message, info);
    this.name = 'GraphPermissionError';
  }
}

/** The identity platform refused the credentials, or Graph refused the token. */
export class GraphAuthError extends GraphError {
  constructor(
    message: string,
    readonly reason: AuthFailureReason,
    readonly aadsts?: string,
    info: GraphErrorDetails & { retryable?: boolean } = {},
  ) {
    super('auth_failed', message, {
      ...info,
      code: reason === 'authority_unreachable' ? 'unavailable' : reason === 'token_rejected' ? 'unauthenticated' : undefined,
    });
    this.name = 'GraphAuthError';
  }
}

/** 400 and other answers that will fail the same way again. */
export class GraphBadRequestError extends GraphError {
  constructor(message: string, info: GraphErrorDetails = {}) {
    super('bad_request', message, info);
    this.name = 'GraphBadRequestError';
  }
}

/** 409 / 412: name clash, changed ETag, upload range already taken. */
export class GraphConflictError extends GraphError {
  constructor(message: string, info: GraphErrorDetails = {}) {
    super('conflict', message, { ...info, code: info.graphCode === 'nameAlreadyExists' ? 'already_exists' : 'conflict' });
    this.name = 'GraphConflictError';
  }
}

export function isGraphError(e: unknown): e is GraphError {
  return e instanceof GraphError;
}
