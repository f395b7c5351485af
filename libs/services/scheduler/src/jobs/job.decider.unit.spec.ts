import { JobCreated, JobDeleted, JobDisabled, JobEnabled, JobUpdated } from '@holdfast/contracts';
import { DeciderSpecification } from '@holdfast/event-store';
import { jobDecider, type JobCommand } from './job.decider';

const jobId = '0b7f5f5e-8a42-4a8e-9d3e-3f1f0c1d2e01';
const otherJob = '0b7f5f5e-8a42-4a8e-9d3e-3f1f0c1d2e02';
const organizationId = '5a3c3f7e-1111-4c2d-8e9f-0a1b2c3d4e5f';
const at = '2026-01-05T10:00:00.000Z';

const create = (overrides: Partial<Extract<JobCommand, { type: 'CreateJob' }>['data']> = {}): JobCommand => ({
  type: 'CreateJob',
  data: {
    jobId,
    organizationId,
    name: ' Exchange nightly ',
    source: { kind: 'mailboxes', mailboxes: ['ada@contoso.com', 'bob@contoso.com'] },
    destination: { repository: '/var/lib/holdfast/repo' },
    schedules: [{ kind: 'daily', timeZone: 'Europe/Berlin', at: '22:00', endAt: '06:00', days: ['mon', 'fri'] }],
    retention: { keepLast: 7, daily: 14, monthly: 12 },
    at,
    ...overrides,
  },
});

const created = JobCreated.create({
  jobId,
  organizationId,
  name: 'Exchange nightly',
  source: { kind: 'mailboxes', mailboxes: ['ada@contoso.com', 'bob@contoso.com'], exclude: [] },
  destination: { repository: '/var/lib/holdfast/repo', overrides: [] },
  schedules: [{ kind: 'daily', timeZone: 'Europe/Berlin', at: '22:00', endAt: '06:00', days: ['mon', 'fri'] }],
  retention: { keepLast: 7, daily: 14, monthly: 12 },
  options: { reportEmails: [], concurrency: 3 },
  enabled: true,
  createdAt: at,
});

describe('job decider', () => {
  const spec = DeciderSpecification.for(jobDecider);

  describe('CreateJob', () => {
    it('creates a job with defaults filled in (concurrency 3, no report, no exclusions) and the name trimmed', () => {
      spec.given([]).when(create()).then([created]);
    });

    it('creates a whole-organization job (dynamic) with exclusions and per-mailbox repositories', () => {
      const command = create({
        source: { kind: 'organization', exclude: ['ceo@contoso.com'] },
        destination: { repository: 's3://bucket/a', overrides: [{ object: 'legal@contoso.com', repository: 's3://bucket/legal' }] },
        schedules: [],
        retention: { forever: true },
        options: { reportEmails: ['ops@msp.example'], concurrency: 8 },
      });
      spec.given([]).when(command).thenStateIs({
        status: 'active',
        jobId,
        organizationId,
        name: 'Exchange nightly',
        enabled: true,
        source: { kind: 'organization', exclude: ['ceo@contoso.com'] },
        destination: { repository: 's3://bucket/a', overrides: [{ object: 'legal@contoso.com', repository: 's3://bucket/legal' }] },
        schedules: [],
        retention: { forever: true },
        options: { reportEmails: ['ops@msp.example'], concurrency: 8 },
      });
    });

    it('refuses a second creation', () => {
      spec.given([created]).when(create()).thenThrows({ code: 'already_exists' });
    });

    it('refuses bad settings, naming the field', () => {
      spec.given([]).when(create({ name: '  ' })).thenThrows({ code: 'validation_failed', message: /name/ });
      spec.given([]).when(create({ retention: {} })).thenThrows({ code: 'validation_failed', message: /retention/ });
      spec.given([]).when(create({ retention: { daily: -1 } })).thenThrows({ code: 'validation_failed', message: /retention\.daily/ });
      spec.given([]).when(create({ options: { concurrency: 0 } })).thenThrows({ code: 'validation_failed', message: /options\.concurrency/ });
      spec.given([]).when(create({ options: { reportEmails: ['not-an-address'] } })).thenThrows({ message: /options\.reportEmails\.0/ });
      spec
        .given([])
        .when(create({ schedules: [{ kind: 'daily', timeZone: 'Moon/Base', at: '01:00' }] }))
        .thenThrows({ code: 'validation_failed', message: /time zone "Moon\/Base"/ });
      spec
        .given([])
        .when(create({ schedules: [{ kind: 'daily', at: '25:00' }] }))
        .thenThrows({ code: 'validation_failed', message: /schedules\.0\.at/ });
      spec
        .given([])
        .when(create({ schedules: [{ kind: 'after-job', jobId }] }))
        .thenThrows({ code: 'validation_failed', message: /after itself/ });
      spec
        .given([])
        .when(create({ source: { kind: 'mailboxes', mailboxes: ['a@x.com', 'A@x.com'] } }))
        .thenThrows({ message: /listed twice/ });
      spec
        .given([])
        .when(create({ destination: { repository: '/r', overrides: [{ object: 'a', repository: '/x' }, { object: 'a', repository: '/y' }] } }))
        .thenThrows({ message: /two repositories/ });
    });

    it('accepts several schedules: periodic in a window, monthly, chained after another job', () => {
      spec
        .given([])
        .when(
          create({
            schedules: [
              { kind: 'periodic', every: 4, unit: 'hours', from: '06:00', until: '20:00' },
              { kind: 'monthly', at: '01:00', day: 'last' },
              { kind: 'after-job', jobId: otherJob, on: ['success', 'failure'], delayMinutes: 15 },
            ],
          }),
        )
        .thenStateIs({
          ...(jobDecider.evolve(jobDecider.initialState(), created) as object),
          schedules: [
            { kind: 'periodic', timeZone: 'UTC', every: 4, unit: 'hours', from: '06:00', until: '20:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
            { kind: 'monthly', timeZone: 'UTC', at: '01:00', day: 'last', months: [] },
            { kind: 'after-job', jobId: otherJob, on: ['success', 'failure'], delayMinutes: 15 },
          ],
        } as never);
    });
  });

  describe('UpdateJob', () => {
    it('records only the groups of settings that changed', () => {
      spec
        .given([created])
        .when({ type: 'UpdateJob', data: { jobId, name: 'Exchange nightly', retention: { keepLast: 30 }, at } })
        .then([JobUpdated.create({ jobId, retention: { keepLast: 30 }, updatedAt: at })]);
    });

    it('does nothing when nothing changed', () => {
      spec
        .given([created])
        .when({ type: 'UpdateJob', data: { jobId, options: { concurrency: 3 }, destination: { repository: '/var/lib/holdfast/repo' }, at } })
        .thenNothingHappened();
    });

    it('applies updates to the state', () => {
      spec
        .given([created, JobUpdated.create({ jobId, name: 'Renamed', options: { concurrency: 5, reportEmails: [] }, updatedAt: at })])
        .when({ type: 'UpdateJob', data: { jobId, name: 'Renamed', options: { concurrency: 5 }, at } })
        .thenNothingHappened();
    });

    it('refuses invalid updates and unknown or deleted jobs', () => {
      spec.given([created]).when({ type: 'UpdateJob', data: { jobId, retention: { forever: false }, at } }).thenThrows({ code: 'validation_failed' });
      spec.given([]).when({ type: 'UpdateJob', data: { jobId, name: 'x', at } }).thenThrows({ code: 'not_found', message: /no job/ });
      spec
        .given([created, JobDeleted.create({ jobId, at })])
        .when({ type: 'UpdateJob', data: { jobId, name: 'x', at } })
        .thenThrows({ code: 'not_found', message: /deleted/ });
    });
  });

  describe('enable, disable, delete', () => {
    it('disables an enabled job and enables it again; repeating either is a no-op', () => {
      spec.given([created]).when({ type: 'DisableJob', data: { jobId, at } }).then([JobDisabled.create({ jobId, at })]);
      spec.given([created, JobDisabled.create({ jobId, at })]).when({ type: 'DisableJob', data: { jobId, at } }).thenNothingHappened();
      spec.given([created, JobDisabled.create({ jobId, at })]).when({ type: 'EnableJob', data: { jobId, at } }).then([JobEnabled.create({ jobId, at })]);
      spec.given([created]).when({ type: 'EnableJob', data: { jobId, at } }).thenNothingHappened();
    });

    it('creates a job disabled when asked', () => {
      spec.given([]).when(create({ enabled: false })).then([JobCreated.create({ ...created.data, enabled: false })]);
    });

    it('deletes once; deleting again is a no-op; a missing job cannot be deleted', () => {
      spec.given([created]).when({ type: 'DeleteJob', data: { jobId, at } }).then([JobDeleted.create({ jobId, at })]);
      spec.given([created, JobDeleted.create({ jobId, at })]).when({ type: 'DeleteJob', data: { jobId, at } }).thenNothingHappened();
      spec.given([]).when({ type: 'DeleteJob', data: { jobId, at } }).thenThrows({ code: 'not_found' });
      spec.given([created, JobDeleted.create({ jobId, at })]).when({ type: 'EnableJob', data: { jobId, at } }).thenThrows({ code: 'not_found' });
    });
  });
});
