import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HoldfastError, type ErrorCode } from '@holdfast/contracts';
import { getLogger, HoldfastErrorFilter, httpStatusOf } from '@holdfast/service-kit';
import type { Request, Response } from 'express';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Request too large',
  422: 'Unprocessable',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Unavailable',
  504: 'Timeout',
};

function codeOfStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status === 503) return 'unavailable';
  if (status === 504) return 'timeout';
  if (status >= 400 && status < 500) return 'validation_failed';
  return 'internal';
}

/**
 * The gateway's one mapping of errors to answers: RFC 9457 application/problem+json, with
 * the Holdfast error code as `code` (and, for existing clients, the `{ error }` member that
 * service-kit answers elsewhere). Non-API paths keep service-kit's format.
 */
@Catch()
export class ProblemJsonFilter implements ExceptionFilter {
  private readonly log = getLogger(ProblemJsonFilter.name);
  private readonly fallback = new HoldfastErrorFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return this.fallback.catch(exception, host);
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (!req.path.startsWith('/api/')) return this.fallback.catch(exception, host);
    if (res.headersSent) {
      res.end();
      return;
    }
    let status: number;
    let code: ErrorCode;
    let detail: string;
    let details: Record<string, unknown> | undefined;
    if (exception instanceof HoldfastError) {
      code = exception.code;
      status = httpStatusOf(code);
      detail = exception.message;
      details = exception.details;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      code = codeOfStatus(status);
      const body = exception.getResponse();
      detail =
        typeof body === 'object' && body !== null && 'message' in body ? [(body as { message: unknown }).message].flat().join('; ') : exception.message;
    } else {
      this.log.error({ err: exception }, 'unhandled error');
      status = 500;
      code = 'internal';
      detail = 'Internal error; see the server log';
    }
    res
      .status(status)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: `https://holdfast.dev/problems/${code.replace(/_/g, '-')}`,
          title: TITLES[status] ?? 'Error',
          status,
          detail,
          instance: req.originalUrl,
          code,
          ...(details ? { details } : {}),
          error: { code, message: detail, ...(details ? { details } : {}) },
        }),
      );
  }
}
