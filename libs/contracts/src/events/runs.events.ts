import { z } from 'zod';
import { defineEvent } from './define-event';

/*
 * Backup runs of a job. Stream `run-<runId>`: requested, planned as one task per object,
 * one outcome per object (a retry may add another), completed. Progress is reported by
 * the backup worker every few seconds per object, never per item.
 */

/** Largest number of objects one RunObjectsPlanned event lists. */
export const RUN_PLAN_CHUNK = 500;

export const RUN_TRIGGERS = ['schedule', 'manual', 'chain', 'retry'] as const;
export const RUN_STATUSES = ['success', 'partial', 'failed', 'stopped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const runObjectSchema = z.object({
  objectId: z.string().min(1).describe('Graph id of the mailbox owner'),
  address: z.string().optional().describe('mail address or UPN'),
  repository: z.string().min(1).describe('where its recovery point goes'),
});
export type RunObject = z.output<typeof runObjectSchema>;

export const RunRequested = defineEvent({
  type: 'RunRequested',
  schemaVersion: 1,
  category: 'run',
  producer: 'scheduler',
  description: 'A backup run of a job was requested by its schedule, a chained job or a user.',
  data: z.object({
    runId: z.uuid(),
    jobId: z.uuid(),
    organizationId: z.uuid(),
    trigger: z.enum(RUN_TRIGGERS),
    scheduleIndex: z.number().int().nonnegative().optional().describe('which schedule of the job fired'),
    dueAt: z.iso.datetime().optional().describe('the (coalesced) schedule time the run stands for'),
    deadline: z.iso.datetime().optional().describe('end of the schedule window: the run is stopped then'),
    requestedBy: z.string().optional().describe('user id or "scheduler"'),
    requestedAt: z.iso.datetime(),
  }),
});

export const RunObjectsPlanned = defineEvent({
  type: 'RunObjectsPlanned',
  schemaVersion: 1,
  category: 'run',
  producer: 'scheduler',
  description: 'Objects a run backs up, one task each, in priority order (chunked).',
  data: z.object({ runId: z.uuid(), objects: z.array(runObjectSchema).max(RUN_PLAN_CHUNK), last: z.boolean().describe('the plan is complete') }),
});

export const ObjectBackedUp = defineEvent({
  type: 'ObjectBackedUp',
  schemaVersion: 1,
  category: 'run',
  producer: 'scheduler',
  description: 'One object of a run was backed up into a new recovery point.',
  data: z.object({
    runId: z.uuid(),
    objectId: z.string().min(1),
    recoveryPointId: z.string().min(1),
    items: z.number().int().nonnegative(),
    skippedItems: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    at: z.iso.datetime(),
  }),
});

export const ObjectFailed = defineEvent({
  type: 'ObjectFailed',
  schemaVersion: 1,
  category: 'run',
  producer: 'scheduler',
  description: 'Backing up one object of a run failed after its attempts; the reason names the cause.',
  data: z.object({ runId: z.uuid(), objectId: z.string().min(1), reason: z.string().min(1), at: z.iso.datetime() }),
});

export const ObjectSkipped = defineEvent({
  type: 'ObjectSkipped',
  schemaVersion: 1,
  category: 'run',
  producer: 'scheduler',
  description: 'One object of a run was not backed up on purpose (no mailbox, removed, run stopped).',
  data: z.object({ runId: z.uuid(), objectId: z.string().min(1), reason: z.string().min(1), at: z.iso.datetime() }),
});

export const ObjectBackupProgressed = defineEvent({
  type: 'ObjectBackupProgressed',
  schemaVersion: 1,
  category: 'run',
  producer: 'backup-worker',
  description: 'Progress of one object of a run, reported every few seconds (bus only).',
  data: z.object({
    runId: z.uuid(),
    objectId: z.string().min(1),
    phase: z.string().min(1).describe('folders, mail, contacts, calendar, manifest'),
    items: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    at: z.iso.datetime(),
  }),
});

export const RunStopRequested = defineEvent({
  type: 'RunStopRequested',
  schemaVersion: 1,
  category: 'run',
  producer: 'scheduler',
  description: 'A user or the end of the schedule window asked a run to stop; unfinished objects are skipped.',
  data: z.object({ runId: z.uuid(), requestedBy: z.string().min(1), at: z.iso.datetime() }),
});

export const FailedObjectsRetried = defineEvent({
  type: 'FailedObjectsRetried',
  schemaVersion: 1,
  category: 'run',
  producer: 'scheduler',
  description: 'The failed objects of a finished run are backed up again in the same run.',
  data: z.object({ runId: z.uuid(), objectIds: z.array(z.string().min(1)).min(1), requestedBy: z.string().min(1), at: z.iso.datetime() }),
});

export const RunCompleted = defineEvent({
  type: 'RunCompleted',
  schemaVersion: 1,
  category: 'run',
  producer: 'scheduler',
  description: 'Every object of a run has an outcome (or the run was stopped); status and counts.',
  data: z.object({
    runId: z.uuid(),
    jobId: z.uuid(),
    status: z.enum(RUN_STATUSES),
    backedUp: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    completedAt: z.iso.datetime(),
  }),
});

export const RUNS_EVENTS = [
  RunRequested,
  RunObjectsPlanned,
  ObjectBackedUp,
  ObjectFailed,
  ObjectSkipped,
  ObjectBackupProgressed,
  RunStopRequested,
  FailedObjectsRetried,
  RunCompleted,
] as const;

/** Work queue of per-object backup tasks: the scheduler publishes (dedupe id `run:object`), backup workers pull. */
export const BACKUP_QUEUE = 'backup-objects';
/** Task type of a mailbox backup on BACKUP_QUEUE. */
export const BACKUP_MAILBOX_TASK = 'BackupMailbox';

/** Data of one BackupMailbox task. */
export interface BackupMailboxTaskData {
  readonly runId: string;
  readonly jobId: string;
  readonly organizationId: string;
  /** Graph id or UPN of the mailbox. */
  readonly objectId: string;
  /** Repository location (folder path or s3:// URL). */
  readonly repository: string;
  /** Immutability of the new point, in days (from the job's retention policy). */
  readonly immutableDays?: number;
}
