import { z } from 'zod';
import { defineEvent } from './define-event';

/** Tenant id of platform-level streams (not owned by any MSP tenant). */
export const PLATFORM_TENANT_ID = 'platform';

export const ProjectionRebuilt = defineEvent({
  type: 'ProjectionRebuilt',
  schemaVersion: 1,
  category: 'projection',
  producer: 'platform',
  description: 'A projection was emptied and replayed from the start of the event log.',
  data: z.object({
    projection: z.string().min(1).describe('projection name'),
    eventsReplayed: z.number().int().nonnegative().describe('events applied during the replay'),
    position: z.string().regex(/^\d+$/).describe('global position of the last replayed event ("0" if none)'),
    requestedBy: z.string().min(1).optional().describe('who asked: a user id or "cli"'),
    rebuiltAt: z.iso.datetime().describe('when the replay finished'),
  }),
});

/** Events the platform itself (event store, projections, migrations) appends. */
export const PLATFORM_EVENTS = [ProjectionRebuilt] as const;
