import { z } from 'zod';
import type { DomainEvent, EventMetadata } from '../envelope';

/** The services (and the platform itself) that append events. */
export type ProducerService =
  | 'gateway'
  | 'auth'
  | 'inventory'
  | 'scheduler'
  | 'backup-worker'
  | 'retention'
  | 'catalog'
  | 'recovery'
  | 'platform';

/** Data of an event: a JSON object of ids, counts, ISO times and reasons. */
export type EventDataSchema = z.ZodType<Record<string, unknown>>;

export interface EventDefinition<TType extends string = string, TSchema extends EventDataSchema = EventDataSchema> {
  /** Past tense, PascalCase: 'RunRequested'. */
  readonly type: TType;
  /** Bumped on every incompatible change of `data`; the event store upcasts older ones. */
  readonly schemaVersion: number;
  /** Stream category: streams are named `<category>-<id>` ('run-3f2a...'). */
  readonly category: string;
  readonly producer: ProducerService;
  /** One line for the catalog. */
  readonly description: string;
  readonly data: TSchema;
  /** Validates `data` and builds the event to append. */
  create(data: z.input<TSchema>, metadata?: EventMetadata): DomainEvent<TType, z.output<TSchema>>;
  /** Validates stored or received data (throws a ZodError naming the bad field). */
  parse(data: unknown): z.output<TSchema>;
  /** Narrows any event to this type. */
  is(event: { readonly type: string }): event is DomainEvent<TType, z.output<TSchema>>;
}

/** The event type a definition describes: `type RunRequested = EventOf<typeof RunRequested>`. */
export type EventOf<D extends EventDefinition> = D extends EventDefinition<infer T, infer S>
  ? DomainEvent<T, z.output<S>>
  : never;

const TYPE = /^[A-Z][A-Za-z0-9]+$/;
const CATEGORY = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Declares one event for the catalog. Example:
 *
 *   export const RunRequested = defineEvent({
 *     type: 'RunRequested',
 *     schemaVersion: 1,
 *     category: 'run',
 *     producer: 'scheduler',
 *     description: 'A backup run of a job was requested by its schedule, a chain or a user.',
 *     data: z.object({ runId: z.uuid(), jobId: z.uuid(), requestedAt: z.iso.datetime() }),
 *   });
 */
export function defineEvent<const TType extends string, TSchema extends EventDataSchema>(spec: {
  readonly type: TType;
  readonly schemaVersion: number;
  readonly category: string;
  readonly producer: ProducerService;
  readonly description: string;
  readonly data: TSchema;
}): EventDefinition<TType, TSchema> {
  if (!TYPE.test(spec.type)) throw new Error(`event type "${spec.type}" must be PascalCase (e.g. RunRequested)`);
  if (!Number.isInteger(spec.schemaVersion) || spec.schemaVersion < 1) {
    throw new Error(`event ${spec.type}: schemaVersion must be an integer >= 1`);
  }
  if (!CATEGORY.test(spec.category)) {
    throw new Error(`event ${spec.type}: stream category "${spec.category}" must be kebab-case`);
  }
  const description = spec.description.trim();
  if (!description || /[\r\n]/.test(description)) {
    throw new Error(`event ${spec.type}: description must be one non-empty line`);
  }
  const definition: EventDefinition<TType, TSchema> = {
    ...spec,
    description,
    create(data, metadata) {
      const parsed = spec.data.parse(data) as z.output<TSchema>;
      return metadata ? { type: spec.type, data: parsed, metadata } : { type: spec.type, data: parsed };
    },
    parse: (data) => spec.data.parse(data) as z.output<TSchema>,
    is: (event): event is DomainEvent<TType, z.output<TSchema>> => event.type === spec.type,
  };
  return Object.freeze(definition);
}
