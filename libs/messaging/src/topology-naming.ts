import { HoldfastError } from '@holdfast/contracts';

/**
 * Names of streams, consumers and subjects. Everything carries the namespace so that
 * several installations (or test runs) can share one NATS server without seeing
 * each other.
 *
 *   events   stream `<NS>_EVENTS`  subjects `<ns>.evt.<tenantId>.<eventType>`   (limits retention)
 *   tasks    stream `<NS>_TASKS`   subjects `<ns>.task.<queue>.<tenantId>`      (work-queue retention)
 *   requests core NATS             subjects `<ns>.rpc.<service>.<method>`       (queue group `<ns>.rpc.<service>`)
 *
 * Durable consumers: `<ns>_evt_<durable>` on the events stream, `<ns>_task_<queue>` on the
 * tasks stream (one shared consumer per queue: work-queue streams forbid overlapping consumers).
 */
export const DEFAULT_NAMESPACE = 'holdfast';

const NAMESPACE_RE = /^[a-z][a-z0-9_-]{0,31}$/;
const TOKEN_RE = /^[A-Za-z0-9_:@+=-]+$/; // one subject token: no '.', '*', '>' or whitespace
const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
const QUEUE_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function assertNamespace(ns: string): string {
  if (!NAMESPACE_RE.test(ns)) {
    throw new HoldfastError(
      'validation_failed',
      `namespace "${ns}" is invalid: use 1-32 lowercase letters, digits, '-' or '_', starting with a letter`,
    );
  }
  return ns;
}

export function assertSubjectToken(what: string, value: string): string {
  if (!TOKEN_RE.test(value)) {
    throw new HoldfastError(
      'validation_failed',
      `${what} "${value}" cannot be used in a subject: only letters, digits and _ : @ + = - are allowed`,
    );
  }
  return value;
}

export function assertDurableName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new HoldfastError('validation_failed', `durable name "${name}" is invalid: use [A-Za-z0-9_-], at most 64`);
  }
  return name;
}

export function assertQueueName(queue: string): string {
  if (!QUEUE_RE.test(queue)) {
    throw new HoldfastError('validation_failed', `queue name "${queue}" is invalid: use [a-z0-9_-], at most 64`);
  }
  return queue;
}

export class TopologyNames {
  constructor(readonly namespace: string) {
    assertNamespace(namespace);
  }

  private get streamPrefix(): string {
    return this.namespace.toUpperCase().replace(/-/g, '_');
  }

  get eventStream(): string {
    return `${this.streamPrefix}_EVENTS`;
  }

  get taskStream(): string {
    return `${this.streamPrefix}_TASKS`;
  }

  get eventSubjectRoot(): string {
    return `${this.namespace}.evt`;
  }

  get taskSubjectRoot(): string {
    return `${this.namespace}.task`;
  }

  /** `<ns>.evt.<tenantId>.<eventType>` */
  eventSubject(tenantId: string, eventType: string): string {
    return `${this.eventSubjectRoot}.${assertSubjectToken('tenant id', tenantId)}.${assertSubjectToken('event type', eventType)}`;
  }

  /** Absolute filter subjects for a consumer's relative patterns (default: every event). */
  eventFilterSubjects(relative: readonly string[] | undefined): string[] {
    const patterns = relative && relative.length > 0 ? relative : ['>'];
    return patterns.map((p) => {
      const tokens = p.split('.');
      tokens.forEach((t, i) => {
        if (t === '>' && i !== tokens.length - 1) {
          throw new HoldfastError('validation_failed', `subject pattern "${p}": '>' must be the last token`);
        }
        if (t !== '*' && t !== '>') assertSubjectToken('subject pattern token', t);
      });
      if (tokens.length > 2) {
        throw new HoldfastError('validation_failed', `subject pattern "${p}" has more than <tenantId>.<eventType>`);
      }
      return `${this.eventSubjectRoot}.${p}`;
    });
  }

  eventConsumer(durable: string): string {
    return `${this.namespace}_evt_${assertDurableName(durable)}`;
  }

  /** `<ns>.task.<queue>.<tenantId>` */
  taskSubject(queue: string, tenantId: string): string {
    return `${this.taskSubjectRoot}.${assertQueueName(queue)}.${assertSubjectToken('tenant id', tenantId)}`;
  }

  taskQueueFilter(queue: string): string {
    return `${this.taskSubjectRoot}.${assertQueueName(queue)}.>`;
  }

  taskConsumer(queue: string): string {
    return `${this.namespace}_task_${assertQueueName(queue)}`;
  }

  /** Message id of a task: unique per queue and tenant. */
  taskMessageId(queue: string, tenantId: string, dedupeId: string): string {
    if (!dedupeId) throw new HoldfastError('validation_failed', 'task dedupeId is required');
    return `task:${queue}:${tenantId}:${dedupeId}`;
  }

  rpcSubject(service: string, method: string): string {
    return `${this.namespace}.rpc.${assertSubjectToken('service', service)}.${assertSubjectToken('method', method)}`;
  }

  rpcQueueGroup(service: string): string {
    return `${this.namespace}.rpc.${assertSubjectToken('service', service)}`;
  }
}

/** Relative subject patterns for a consumer interested in some event types (any tenant unless given). */
export function eventSubjectPatterns(eventTypes: readonly string[], tenantId = '*'): string[] {
  return eventTypes.map((t) => `${tenantId}.${t}`);
}

/** NATS subject matching: `*` matches one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
