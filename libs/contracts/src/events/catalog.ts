import type { EventDefinition, EventOf } from './define-event';
import { INVENTORY_EVENTS } from './inventory.events';
import { ORGS_EVENTS } from './orgs.events';
import { PLATFORM_EVENTS } from './platform.events';
import { JOBS_EVENTS } from './jobs.events';
import { RECOVERY_POINTS_EVENTS } from './recovery-points.events';
import { RUNS_EVENTS } from './runs.events';
import { RESTORES_EVENTS } from './restores.events';

/*
 * The event catalog: every event any Holdfast service appends.
 *
 * To add events for a domain:
 *   1. create `libs/contracts/src/events/<domain>.events.ts` (orgs, inventory, jobs, runs,
 *      recovery-points, restores, ...) declaring each event with `defineEvent({...})` and
 *      ending with `export const <DOMAIN>_EVENTS = [EventA, EventB] as const;`
 *      (see platform.events.ts);
 *   2. export the file from ./index.ts and spread its list into CATALOG below;
 *   3. regenerate the catalog document: `node bin/ts-run.js tools/gen-events-doc.ts`
 *      (a contracts test fails while docs/events.md is out of date).
 * Changing an event's data incompatibly: bump its schemaVersion and register an upcaster
 * for the old version with the event store's UpcasterRegistry.
 */
export const CATALOG = [...PLATFORM_EVENTS, ...ORGS_EVENTS, ...INVENTORY_EVENTS, ...JOBS_EVENTS, ...RUNS_EVENTS, ...RECOVERY_POINTS_EVENTS, ...RESTORES_EVENTS] as const;

/** Union of every cataloged event. */
export type CatalogEvent = EventOf<(typeof CATALOG)[number]>;
export type CatalogEventType = CatalogEvent['type'];

/** Problems in a catalog (duplicate types); empty when it is sound. */
export function catalogProblems(catalog: readonly EventDefinition[]): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const e of catalog) {
    if (seen.has(e.type)) problems.push(`event type ${e.type} is declared more than once`);
    seen.add(e.type);
  }
  return problems;
}

/** Looks up a cataloged event definition by type. */
export function findEventDefinition(type: string): EventDefinition | undefined {
  return (CATALOG as readonly EventDefinition[]).find((e) => e.type === type);
}

const problems = catalogProblems(CATALOG);
if (problems.length) throw new Error(`event catalog: ${problems.join('; ')}`);
