/**
 * Error codes that cross service boundaries (request/reply answers, API problems).
 * Domain code throws HoldfastError with one of these; the gateway maps codes to HTTP once.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'already_exists'
  | 'conflict'
  | 'concurrency_conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'timeout'
  | 'unavailable'
  | 'throttled'
  | 'credentials_invalid'
  | 'permissions_missing'
  | 'internal';

export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export class HoldfastError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HoldfastError';
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }

  static fromBody(body: ErrorBody): HoldfastError {
    return new HoldfastError(body.code, body.message, body.details);
  }
}
