import { HoldfastError, type ErrorCode } from '@holdfast/contracts';
import type { BusLogger } from './bus-logger';
import { describeError } from './delivery-policy';
import type { RequestHandler } from './message-bus.port';
import { consuming } from './trace-context';
import { decodeRequest, encodeJson, HEADER, parseReply, type Origin, type ReplyBody, type WireHeaders } from './wire-format';

/** Request/reply rules both adapters share: the reply envelope and error mapping. */

const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'validation_failed',
  'not_found',
  'already_exists',
  'conflict',
  'concurrency_conflict',
  'unauthenticated',
  'forbidden',
  'timeout',
  'unavailable',
  'throttled',
  'credentials_invalid',
  'permissions_missing',
  'internal',
]);

/** Runs a responder's handler on one request and builds the reply body. */
export async function answerRequest(
  origin: Origin,
  subject: string,
  headers: WireHeaders,
  data: Uint8Array,
  handler: RequestHandler<unknown, unknown>,
  logger: BusLogger,
): Promise<Uint8Array> {
  const decoded = decodeRequest(headers, data, origin);
  let reply: ReplyBody;
  if (!decoded.ok) {
    logger.warn({ subject, reason: decoded.reason }, 'request refused');
    reply = { ok: false, error: { code: 'validation_failed', message: `request refused: ${decoded.reason} (${decoded.detail})` } };
  } else {
    try {
      const result = await consuming(
        `${subject} process`,
        headers,
        { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'holdfast.tenant.id': headers[HEADER.tenant] ?? '' },
        () =>
          handler(decoded.value, {
            subject,
            tenantId: headers[HEADER.tenant],
            correlationId: headers[HEADER.correlation],
          }),
      );
      reply = { ok: true, data: result === undefined ? null : result };
    } catch (err) {
      if (err instanceof HoldfastError) {
        reply = { ok: false, error: err.toBody() };
      } else {
        // Unknown errors may carry internals; the caller gets a generic message, the log the detail.
        logger.error({ subject, err: describeError(err) }, 'request handler failed');
        reply = { ok: false, error: { code: 'internal', message: `internal error answering ${subject}` } };
      }
    }
  }
  return encodeJson(reply);
}

/** Turns a reply body into the answer or a thrown HoldfastError. */
export function unwrapReply<T>(subject: string, data: Uint8Array): T {
  const reply = parseReply(data);
  if (!reply) throw new HoldfastError('internal', `unreadable reply from ${subject}`);
  if (reply.ok) return reply.data as T;
  const code = (KNOWN_CODES.has(reply.error.code) ? reply.error.code : 'internal') as ErrorCode;
  throw new HoldfastError(code, reply.error.message, reply.error.details);
}

export function timeoutError(subject: string, timeoutMs: number): HoldfastError {
  return new HoldfastError('timeout', `no reply from ${subject} within ${timeoutMs} ms`, { subject, timeoutMs });
}

export function unavailableError(subject: string): HoldfastError {
  return new HoldfastError('unavailable', `nobody answers ${subject}`, { subject });
}
