import { z } from 'zod';
import { defineEvent } from './define-event';

/*
 * Backup jobs: what to back up, where to, when, and for how long. Stream `job-<jobId>`,
 * appended by the scheduler. Settings are stored whole on creation and on each update.
 */

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:mm');
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const jobSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('organization').describe('every mailbox of the organization, now and later (dynamic)'),
    exclude: z.array(z.string().min(1)).default([]).describe('object ids or addresses left out'),
  }),
  z.object({
    kind: z.literal('groups'),
    groupIds: z.array(z.string().min(1)).min(1).describe('members of these groups, resolved at each run'),
    exclude: z.array(z.string().min(1)).default([]),
  }),
  z.object({
    kind: z.literal('mailboxes'),
    mailboxes: z.array(z.string().min(1)).min(1).describe('object ids or addresses, in priority order'),
    exclude: z.array(z.string().min(1)).default([]),
  }),
]);
export type JobSource = z.output<typeof jobSourceSchema>;

export const jobDestinationSchema = z.object({
  repository: z.string().min(1).describe('repository location (folder path or s3:// URL) used by default'),
  overrides: z
    .array(z.object({ object: z.string().min(1), repository: z.string().min(1) }))
    .default([])
    .describe('per mailbox (object id or address) repository'),
});
export type JobDestination = z.output<typeof jobDestinationSchema>;

const window = {
  timeZone: z.string().min(1).default('UTC').describe('IANA time zone of the times and days'),
  effectiveFrom: localDate.optional().describe('first day (in timeZone) the schedule applies'),
};

export const jobScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('on-demand') }),
  z.object({
    kind: z.literal('daily'),
    ...window,
    at: hhmm.describe('start time'),
    endAt: hhmm.optional().describe('a run still going at this time is stopped'),
    days: z.array(z.enum(WEEKDAYS)).min(1).default([...WEEKDAYS]),
  }),
  z.object({
    kind: z.literal('monthly'),
    ...window,
    at: hhmm,
    endAt: hhmm.optional(),
    day: z.union([z.number().int().min(1).max(31), z.literal('last')]).describe('day of month; past the month end means its last day'),
    months: z.array(z.number().int().min(1).max(12)).default([]).describe('months it runs in; empty: every month'),
  }),
  z.object({
    kind: z.literal('yearly'),
    ...window,
    at: hhmm,
    endAt: hhmm.optional(),
    month: z.number().int().min(1).max(12),
    day: z.union([z.number().int().min(1).max(31), z.literal('last')]),
  }),
  z.object({
    kind: z.literal('periodic'),
    ...window,
    every: z.number().int().min(1),
    unit: z.enum(['minutes', 'hours']),
    from: hhmm.default('00:00').describe('window start'),
    until: hhmm.default('23:59').describe('window end: no run starts after it, a running one is stopped'),
    days: z.array(z.enum(WEEKDAYS)).min(1).default([...WEEKDAYS]),
  }),
  z.object({
    kind: z.literal('after-job'),
    jobId: z.uuid().describe('the job this one follows'),
    on: z.array(z.enum(['success', 'failure', 'stopped'])).min(1).default(['success']),
    delayMinutes: z.number().int().min(0).default(0),
    effectiveFrom: localDate.optional(),
  }),
]);
export type JobSchedule = z.output<typeof jobScheduleSchema>;
export type JobScheduleInput = z.input<typeof jobScheduleSchema>;

export const jobRetentionSchema = z.object({
  keepLast: z.number().int().min(0).optional(),
  daily: z.number().int().min(0).optional(),
  weekly: z.number().int().min(0).optional(),
  monthly: z.number().int().min(0).optional(),
  yearly: z.number().int().min(0).optional(),
  forever: z.boolean().optional(),
  immutableDays: z.number().int().min(0).optional(),
  timeZone: z.string().optional(),
});
export type JobRetention = z.output<typeof jobRetentionSchema>;

export const jobOptionsSchema = z.object({
  reportEmails: z.array(z.email()).default([]).describe('who receives the run report'),
  concurrency: z.number().int().min(1).max(64).default(3).describe('objects backed up at once'),
});
export type JobOptions = z.output<typeof jobOptionsSchema>;

export const jobSettingsShape = {
  name: z.string().min(1).max(200),
  source: jobSourceSchema,
  destination: jobDestinationSchema,
  schedules: z.array(jobScheduleSchema).default([]).describe('empty: on demand only'),
  retention: jobRetentionSchema,
  options: jobOptionsSchema,
};

export const JobCreated = defineEvent({
  type: 'JobCreated',
  schemaVersion: 1,
  category: 'job',
  producer: 'scheduler',
  description: 'A backup job was created with its source, destination, schedules, retention and options.',
  data: z.object({
    jobId: z.uuid(),
    organizationId: z.uuid(),
    ...jobSettingsShape,
    enabled: z.boolean(),
    createdAt: z.iso.datetime(),
  }),
});

export const JobUpdated = defineEvent({
  type: 'JobUpdated',
  schemaVersion: 1,
  category: 'job',
  producer: 'scheduler',
  description: 'Settings of a backup job changed; only the changed groups of settings are listed.',
  data: z.object({
    jobId: z.uuid(),
    name: jobSettingsShape.name.optional(),
    source: jobSourceSchema.optional(),
    destination: jobDestinationSchema.optional(),
    schedules: z.array(jobScheduleSchema).optional(),
    retention: jobRetentionSchema.optional(),
    options: jobOptionsSchema.optional(),
    updatedAt: z.iso.datetime(),
  }),
});

export const JobEnabled = defineEvent({
  type: 'JobEnabled',
  schemaVersion: 1,
  category: 'job',
  producer: 'scheduler',
  description: 'A disabled backup job runs on its schedules again.',
  data: z.object({ jobId: z.uuid(), at: z.iso.datetime() }),
});

export const JobDisabled = defineEvent({
  type: 'JobDisabled',
  schemaVersion: 1,
  category: 'job',
  producer: 'scheduler',
  description: 'A backup job no longer runs on its schedules (on-demand runs are refused too).',
  data: z.object({ jobId: z.uuid(), at: z.iso.datetime() }),
});

export const JobDeleted = defineEvent({
  type: 'JobDeleted',
  schemaVersion: 1,
  category: 'job',
  producer: 'scheduler',
  description: 'A backup job was deleted; its recovery points stay until retention expires them.',
  data: z.object({ jobId: z.uuid(), at: z.iso.datetime() }),
});

export const JOBS_EVENTS = [JobCreated, JobUpdated, JobEnabled, JobDisabled, JobDeleted] as const;
