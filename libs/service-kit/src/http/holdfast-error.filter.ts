import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HoldfastError, type ErrorCode } from '@holdfast/contracts';
import type { Response } from 'express';
import { getLogger } from '../logging/logger';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  already_exists: 409,
  conflict: 409,
  concurrency_conflict: 409,
  credentials_invalid: 422,
  permissions_missing: 422,
  throttled: 429,
  internal: 500,
  unavailable: 503,
  timeout: 504,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

function codeOfStatus(status: number): ErrorCode {
  if (status === 400 || status === 422) return 'validation_failed';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status === 503) return 'unavailable';
  if (status === 504) return 'timeout';
  return 'internal';
}

/**
 * The one place where errors become HTTP answers: `{ error: { code, message, details? } }`.
 * Domain code throws HoldfastError; anything unexpected is logged and answered without detail.
 */
@Catch()
export class HoldfastErrorFilter implements ExceptionFilter {
  private readonly log = getLogger(HoldfastErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HoldfastError) {
      res.status(httpStatusOf(exception.code)).json({ error: exception.toBody() });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? [(body as { message: unknown }).message].flat().join('; ')
          : exception.message;
      res.status(status).json({ error: { code: codeOfStatus(status), message } });
      return;
    }
    this.log.error({ err: exception }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Internal error; see the server log' } });
  }
}
