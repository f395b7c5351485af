import { z } from 'zod';
import { defineEvent } from './define-event';

/*
 * Recovery points: one complete manifest per object per run. Stream
 * `recovery-points-<objectId>`; the backup worker appends creation, retention expiry.
 */

export const recoveryPointCountsSchema = z.object({
  items: z.number().int().nonnegative().describe('items in the point (carried over included)'),
  added: z.number().int().nonnegative(),
  changed: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative().describe('items that could not be read (deleted meanwhile, corrupt)'),
});

export const RecoveryPointCreated = defineEvent({
  type: 'RecoveryPointCreated',
  schemaVersion: 1,
  category: 'recovery-points',
  producer: 'backup-worker',
  description: 'A complete recovery point of one object was stored (manifest written, delta state committed).',
  data: z.object({
    recoveryPointId: z.string().min(1).describe('the manifest id'),
    organizationId: z.uuid(),
    jobId: z.uuid().optional(),
    runId: z.uuid().optional(),
    objectId: z.string().min(1),
    objectKind: z.enum(['mailbox']),
    repository: z.string().min(1),
    pointTime: z.iso.datetime().describe('when the sync started: the state the point shows'),
    counts: recoveryPointCountsSchema,
    bytes: z.number().int().nonnegative().describe('new content bytes written by this run'),
    fullEnumeration: z.boolean().describe('true for a first backup or a fallback after an expired delta'),
  }),
});

export const RecoveryPointExpired = defineEvent({
  type: 'RecoveryPointExpired',
  schemaVersion: 1,
  category: 'recovery-points',
  producer: 'retention',
  description: 'Retention deleted a recovery point manifest (its data is reclaimed by the next GC).',
  data: z.object({
    recoveryPointId: z.string().min(1),
    objectId: z.string().min(1),
    jobId: z.uuid().optional(),
    expiredAt: z.iso.datetime(),
  }),
});

export const RECOVERY_POINTS_EVENTS = [RecoveryPointCreated, RecoveryPointExpired] as const;
