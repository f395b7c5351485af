import type { GraphResponse } from './sim-types';

/** Throw anywhere in a handler: the router answers Graph's error body. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly innerCode?: string,
  ) {
    super(message);
  }
}

export interface GraphErrorBody {
  error: { code: string; message: string; innerError: { date: string; 'request-id': string; 'client-request-id': string; code?: string; status?: string } };
}

export function graphErrorBody(code: string, message: string, requestId: string, clientRequestId?: string, innerCode?: string): GraphErrorBody {
  const innerError: GraphErrorBody['error']['innerError'] = {
    date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
    'request-id': requestId,
    'client-request-id': clientRequestId ?? requestId,
  };
  if (innerCode) {
    innerError.code = innerCode;
  }
  return { error: { code, message, innerError } };
}

/** Answers a Graph error: `{"error":{"code","message","innerError":{date,request-id,client-request-id}}}`. */
export function graphError(res: GraphResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const r = res as GraphResponse & { requestId?: string; clientRequestId?: string };
  for (const [k, v] of Object.entries(headers)) res.header(k, v);
  res.json(graphErrorBody(code, message, r.requestId ?? '00000000-0000-0000-0000-000000000000', r.clientRequestId), status);
}

export const notFound = (message = 'The specified object was not found in the store.', code = 'ErrorItemNotFound') =>
  new GraphHttpError(404, code, message);
export const badRequest = (message: string, code = 'BadRequest') => new GraphHttpError(400, code, message);
