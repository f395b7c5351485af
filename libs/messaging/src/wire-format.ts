import type { RecordedEvent } from '@holdfast/contracts';
import type { TaskMessage } from './message-bus.port';

/**
 * What travels on the wire. Bodies are JSON; headers say who sent it (namespace and
 * installation), for which tenant, in which correlation and trace, and in which
 * envelope schema, so a consumer can refuse anything that is not for it.
 */
export const HEADER = {
  msgId: 'Nats-Msg-Id',
  namespace: 'Holdfast-Namespace',
  installation: 'Holdfast-Installation',
  tenant: 'Holdfast-Tenant',
  correlation: 'Holdfast-Correlation-Id',
  schema: 'Holdfast-Schema',
  eventType: 'Holdfast-Event-Type',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export const SCHEMA = {
  event: 'holdfast.event.v1',
  task: 'holdfast.task.v1',
  request: 'holdfast.rpc-request.v1',
  reply: 'holdfast.rpc-reply.v1',
} as const;

export type WireHeaders = Record<string, string>;

export type RejectReason = 'foreign_installation' | 'foreign_namespace' | 'unknown_schema' | 'malformed';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: RejectReason; detail: string };

export interface Origin {
  readonly namespace: string;
  readonly installationId: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function checkOrigin(headers: WireHeaders, expectedSchema: string, origin: Origin): Decoded<never> | null {
  const installation = headers[HEADER.installation];
  const namespace = headers[HEADER.namespace];
  const schema = headers[HEADER.schema];
  if (namespace !== origin.namespace) {
    return { ok: false, reason: 'foreign_namespace', detail: `namespace header "${namespace ?? ''}"` };
  }
  if (installation !== origin.installationId) {
    return { ok: false, reason: 'foreign_installation', detail: `installation header "${installation ?? ''}"` };
  }
  if (schema !== expectedSchema) {
    return { ok: false, reason: 'unknown_schema', detail: `schema header "${schema ?? ''}", expected "${expectedSchema}"` };
  }
  return null;
}

function parseBody(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function decodeEvent(headers: WireHeaders, data: Uint8Array, origin: Origin): Decoded<RecordedEvent> {
  const rejected = checkOrigin(headers, SCHEMA.event, origin);
  if (rejected) return rejected;
  let body: unknown;
  try {
    body = parseBody(data);
  } catch {
    return { ok: false, reason: 'malformed', detail: 'body is not UTF-8 JSON' };
  }
  if (
    !isRecord(body) ||
    typeof body.eventId !== 'string' ||
    typeof body.type !== 'string' ||
    typeof body.tenantId !== 'string' ||
    typeof body.streamId !== 'string' ||
    typeof body.streamVersion !== 'number' ||
    typeof body.globalPosition !== 'string' ||
    typeof body.schemaVersion !== 'number' ||
    !isRecord(body.data)
  ) {
    return { ok: false, reason: 'malformed', detail: 'body is not a recorded event' };
  }
  if (headers[HEADER.tenant] !== undefined && headers[HEADER.tenant] !== body.tenantId) {
    return { ok: false, reason: 'malformed', detail: 'tenant header and body disagree' };
  }
  return { ok: true, value: body as unknown as RecordedEvent };
}

export function decodeTask(headers: WireHeaders, data: Uint8Array, origin: Origin): Decoded<TaskMessage> {
  const rejected = checkOrigin(headers, SCHEMA.task, origin);
  if (rejected) return rejected;
  let body: unknown;
  try {
    body = parseBody(data);
  } catch {
    return { ok: false, reason: 'malformed', detail: 'body is not UTF-8 JSON' };
  }
  if (
    !isRecord(body) ||
    typeof body.queue !== 'string' ||
    typeof body.type !== 'string' ||
    typeof body.tenantId !== 'string' ||
    typeof body.dedupeId !== 'string' ||
    typeof body.schemaVersion !== 'number' ||
    !('data' in body)
  ) {
    return { ok: false, reason: 'malformed', detail: 'body is not a task' };
  }
  if (headers[HEADER.tenant] !== undefined && headers[HEADER.tenant] !== body.tenantId) {
    return { ok: false, reason: 'malformed', detail: 'tenant header and body disagree' };
  }
  return { ok: true, value: body as unknown as TaskMessage };
}

export function decodeRequest(headers: WireHeaders, data: Uint8Array, origin: Origin): Decoded<unknown> {
  const rejected = checkOrigin(headers, SCHEMA.request, origin);
  if (rejected) return rejected;
  try {
    return { ok: true, value: data.length === 0 ? undefined : parseBody(data) };
  } catch {
    return { ok: false, reason: 'malformed', detail: 'body is not UTF-8 JSON' };
  }
}

/** Reply envelope of request/reply: the answer or a HoldfastError body. */
export type ReplyBody =
  | { ok: true; data: unknown }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

export function parseReply(data: Uint8Array): ReplyBody | null {
  try {
    const body = parseBody(data);
    if (isRecord(body) && body.ok === true) return { ok: true, data: body.data };
    if (isRecord(body) && body.ok === false && isRecord(body.error) && typeof body.error.code === 'string') {
      return body as ReplyBody;
    }
  } catch {
    // fall through
  }
  return null;
}

/** Base headers every message carries. */
export function baseHeaders(
  origin: Origin,
  schema: string,
  tenantId: string | undefined,
  correlationId: string | undefined,
): WireHeaders {
  const h: WireHeaders = {
    [HEADER.namespace]: origin.namespace,
    [HEADER.installation]: origin.installationId,
    [HEADER.schema]: schema,
  };
  if (tenantId) h[HEADER.tenant] = tenantId;
  if (correlationId) h[HEADER.correlation] = correlationId;
  return h;
}
