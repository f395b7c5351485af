import type { Attributes, AttributeValue, Span } from '@opentelemetry/api';

/**
 * Span and metric attribute names owned by Holdfast. Dotted and namespaced so they never
 * collide with OpenTelemetry's semantic conventions (`http.*`, `db.*`, `messaging.*`).
 */
export const HoldfastAttribute = {
  service: 'holdfast.service',
  tenantId: 'holdfast.tenant.id',
  organizationId: 'holdfast.organization.id',
  connectionId: 'holdfast.connection.id',
  jobId: 'holdfast.job.id',
  runId: 'holdfast.run.id',
  taskId: 'holdfast.task.id',
  objectId: 'holdfast.object.id',
  objectKind: 'holdfast.object.kind',
  recoveryPointId: 'holdfast.recovery_point.id',
  restoreId: 'holdfast.restore.id',
  correlationId: 'holdfast.correlation.id',
  graphMailbox: 'holdfast.graph.mailbox',
  graphRequestCount: 'holdfast.graph.request_count',
  messageSubject: 'holdfast.message.subject',
} as const;

export type HoldfastAttributeName = (typeof HoldfastAttribute)[keyof typeof HoldfastAttribute];

const NAME = /^holdfast(\.[a-z][a-z0-9_]*)+$/;

/** True when a name follows the `holdfast.<area>.<field>` convention (lower case, dotted). */
export function isHoldfastAttributeName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Builds attributes from `area.field` keys, adding the `holdfast.` prefix:
 * `holdfastAttributes({ 'run.id': id })` gives `{ 'holdfast.run.id': id }`.
 * Undefined values are dropped so callers can pass optional fields as they are.
 */
export function holdfastAttributes(values: Record<string, AttributeValue | undefined>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const name = key.startsWith('holdfast.') ? key : `holdfast.${key}`;
    if (!isHoldfastAttributeName(name)) {
      throw new Error(`Attribute name "${name}" is not dotted lower case (holdfast.<area>.<field>)`);
    }
    out[name] = value;
  }
  return out;
}

/** Sets namespaced attributes on a span (see holdfastAttributes). */
export function setHoldfastAttributes(span: Span, values: Record<string, AttributeValue | undefined>): void {
  span.setAttributes(holdfastAttributes(values));
}
