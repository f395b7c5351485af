import {
  HoldfastError,
  JobCreated,
  JobDeleted,
  JobDisabled,
  JobEnabled,
  JobUpdated,
  jobDestinationSchema,
  jobOptionsSchema,
  jobRetentionSchema,
  jobScheduleSchema,
  jobSourceSchema,
  type EventOf,
  type JobDestination,
  type JobOptions,
  type JobRetention,
  type JobSchedule,
  type JobSource,
} from '@holdfast/contracts';
import type { Decider } from '@holdfast/event-store';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { validateSchedule } from '../schedules/schedule-evaluator';

/** Stream of one job. */
export const jobStreamId = (jobId: string) => `job-${jobId}`;

export interface JobSettingsInput {
  readonly name: string;
  readonly source: z.input<typeof jobSourceSchema>;
  readonly destination: z.input<typeof jobDestinationSchema>;
  readonly schedules?: readonly z.input<typeof jobScheduleSchema>[];
  readonly retention: z.input<typeof jobRetentionSchema>;
  readonly options?: z.input<typeof jobOptionsSchema>;
}

export type JobCommand =
  | { type: 'CreateJob'; data: JobSettingsInput & { jobId: string; organizationId: string; enabled?: boolean; at: string } }
  | { type: 'UpdateJob'; data: Partial<JobSettingsInput> & { jobId: string; at: string } }
  | { type: 'EnableJob'; data: { jobId: string; at: string } }
  | { type: 'DisableJob'; data: { jobId: string; at: string } }
  | { type: 'DeleteJob'; data: { jobId: string; at: string } };

export type JobEvent =
  | EventOf<typeof JobCreated>
  | EventOf<typeof JobUpdated>
  | EventOf<typeof JobEnabled>
  | EventOf<typeof JobDisabled>
  | EventOf<typeof JobDeleted>;

export interface JobSettings {
  readonly name: string;
  readonly source: JobSource;
  readonly destination: JobDestination;
  readonly schedules: JobSchedule[];
  readonly retention: JobRetention;
  readonly options: JobOptions;
}

export type JobState =
  | { readonly status: 'empty' }
  | ({ readonly status: 'active'; readonly jobId: string; readonly organizationId: string; readonly enabled: boolean } & JobSettings)
  | { readonly status: 'deleted'; readonly jobId: string };

function parse<T extends z.ZodType>(schema: T, value: unknown, field: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = [field, ...issue.path.map(String)].join('.');
  throw new HoldfastError('validation_failed', `${where}: ${issue.message}`, { field: where });
}

function checkRetention(retention: JobRetention): void {
  const keeps =
    retention.forever === true || [retention.keepLast, retention.daily, retention.weekly, retention.monthly, retention.yearly].some((n) => (n ?? 0) > 0);
  if (!keeps) {
    throw new HoldfastError('validation_failed', 'retention: set forever, keepLast or one of daily/weekly/monthly/yearly', { field: 'retention' });
  }
  if (retention.timeZone !== undefined && !IANAZone.isValidZone(retention.timeZone)) {
    throw new HoldfastError('validation_failed', `retention.timeZone: "${retention.timeZone}" is not an IANA time zone`, { field: 'retention.timeZone' });
  }
}

function checkSchedules(jobId: string, schedules: readonly JobSchedule[]): void {
  schedules.forEach((schedule, index) => {
    validateSchedule(schedule, index);
    if (schedule.kind === 'after-job' && schedule.jobId === jobId) {
      throw new HoldfastError('validation_failed', `schedules.${index}: a job cannot run after itself`, { field: `schedules.${index}.jobId` });
    }
  });
}

function checkSource(source: JobSource): void {
  if (source.kind === 'mailboxes') {
    const seen = new Set<string>();
    for (const m of source.mailboxes) {
      const key = m.toLowerCase();
      if (seen.has(key)) throw new HoldfastError('validation_failed', `source.mailboxes: "${m}" is listed twice`, { field: 'source.mailboxes' });
      seen.add(key);
    }
  }
}

function checkDestination(destination: JobDestination): void {
  const seen = new Set<string>();
  for (const o of destination.overrides) {
    const key = o.object.toLowerCase();
    if (seen.has(key)) throw new HoldfastError('validation_failed', `destination.overrides: "${o.object}" has two repositories`, { field: 'destination.overrides' });
    seen.add(key);
  }
}

function requireActive(state: JobState, jobId: string): Extract<JobState, { status: 'active' }> {
  if (state.status === 'active') return state;
  throw new HoldfastError('not_found', state.status === 'deleted' ? `job ${jobId} was deleted` : `no job ${jobId}`, { jobId });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export const jobDecider: Decider<JobCommand, JobEvent, JobState> = {
  initialState: () => ({ status: 'empty' }),

  decide(command, state) {
    switch (command.type) {
      case 'CreateJob': {
        if (state.status !== 'empty') throw new HoldfastError('already_exists', `job ${command.data.jobId} already exists`);
        const d = command.data;
        const source = parse(jobSourceSchema, d.source, 'source');
        const destination = parse(jobDestinationSchema, d.destination, 'destination');
        const schedules = parse(z.array(jobScheduleSchema), d.schedules ?? [], 'schedules');
        const retention = parse(jobRetentionSchema, d.retention, 'retention');
        const options = parse(jobOptionsSchema, d.options ?? {}, 'options');
        checkSource(source);
        checkDestination(destination);
        checkSchedules(d.jobId, schedules);
        checkRetention(retention);
        const name = d.name.trim();
        if (!name) throw new HoldfastError('validation_failed', 'name: a job needs a name', { field: 'name' });
        return [
          JobCreated.create({
            jobId: d.jobId,
            organizationId: d.organizationId,
            name,
            source,
            destination,
            schedules,
            retention,
            options,
            enabled: d.enabled ?? true,
            createdAt: d.at,
          }),
        ];
      }
      case 'UpdateJob': {
        const current = requireActive(state, command.data.jobId);
        const d = command.data;
        const changes: Partial<JobSettings> = {};
        if (d.name !== undefined) {
          const name = d.name.trim();
          if (!name) throw new HoldfastError('validation_failed', 'name: a job needs a name', { field: 'name' });
          if (name !== current.name) Object.assign(changes, { name });
        }
        if (d.source !== undefined) {
          const source = parse(jobSourceSchema, d.source, 'source');
          checkSource(source);
          if (!same(source, current.source)) Object.assign(changes, { source });
        }
        if (d.destination !== undefined) {
          const destination = parse(jobDestinationSchema, d.destination, 'destination');
          checkDestination(destination);
          if (!same(destination, current.destination)) Object.assign(changes, { destination });
        }
        if (d.schedules !== undefined) {
          const schedules = parse(z.array(jobScheduleSchema), d.schedules, 'schedules');
          checkSchedules(current.jobId, schedules);
          if (!same(schedules, current.schedules)) Object.assign(changes, { schedules });
        }
        if (d.retention !== undefined) {
          const retention = parse(jobRetentionSchema, d.retention, 'retention');
          checkRetention(retention);
          if (!same(retention, current.retention)) Object.assign(changes, { retention });
        }
        if (d.options !== undefined) {
          const options = parse(jobOptionsSchema, d.options, 'options');
          if (!same(options, current.options)) Object.assign(changes, { options });
        }
        if (Object.keys(changes).length === 0) return [];
        return [JobUpdated.create({ jobId: current.jobId, ...changes, updatedAt: d.at })];
      }
      case 'EnableJob': {
        const current = requireActive(state, command.data.jobId);
        return current.enabled ? [] : [JobEnabled.create({ jobId: current.jobId, at: command.data.at })];
      }
      case 'DisableJob': {
        const current = requireActive(state, command.data.jobId);
        return current.enabled ? [JobDisabled.create({ jobId: current.jobId, at: command.data.at })] : [];
      }
      case 'DeleteJob': {
        if (state.status === 'deleted') return [];
        const current = requireActive(state, command.data.jobId);
        return [JobDeleted.create({ jobId: current.jobId, at: command.data.at })];
      }
      default: {
        const unknown: never = command;
        throw new HoldfastError('validation_failed', `unknown job command ${JSON.stringify(unknown)}`);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'JobCreated': {
        const { createdAt: _createdAt, ...d } = event.data;
        return { status: 'active', ...d };
      }
      case 'JobUpdated': {
        if (state.status !== 'active') return state;
        const { jobId: _jobId, updatedAt: _updatedAt, ...changes } = event.data;
        const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
        return { ...state, ...defined };
      }
      case 'JobEnabled':
        return state.status === 'active' ? { ...state, enabled: true } : state;
      case 'JobDisabled':
        return state.status === 'active' ? { ...state, enabled: false } : state;
      case 'JobDeleted':
        return { status: 'deleted', jobId: event.data.jobId };
      default:
        return state;
    }
  },
};
