import {
  FailedObjectsRetried,
  ObjectBackedUp,
  ObjectFailed,
  ObjectSkipped,
  RunCompleted,
  RunObjectsPlanned,
  RunRequested,
  RunStopRequested,
} from '@holdfast/contracts';
import { DeciderSpecification } from '@holdfast/event-store';
import { runDecider, STOPPED_REASON, taskDedupeId, type RunCommand } from './run.decider';

const runId = '9e0c6a4e-7b1d-4c55-9a3e-1f2b3c4d5e01';
const jobId = '0b7f5f5e-8a42-4a8e-9d3e-3f1f0c1d2e01';
const organizationId = '5a3c3f7e-1111-4c2d-8e9f-0a1b2c3d4e5f';
const at = '2026-01-05T10:00:00.000Z';
const later = '2026-01-05T11:00:00.000Z';
const repository = '/repo';

const requested = RunRequested.create({ runId, jobId, organizationId, trigger: 'manual', requestedBy: 'user:1', requestedAt: at });
const planned = RunObjectsPlanned.create({
  runId,
  objects: [
    { objectId: 'ada', address: 'ada@contoso.com', repository },
    { objectId: 'bob', repository },
  ],
  last: true,
});
const adaDone = ObjectBackedUp.create({ runId, objectId: 'ada', recoveryPointId: 'rp-1', items: 10, skippedItems: 1, bytes: 1000, at: later });
const bobFailed = ObjectFailed.create({ runId, objectId: 'bob', reason: 'throttled for too long', at: later });
const backedUp = (objectId: string, bytes = 500): RunCommand => ({
  type: 'RecordObjectBackedUp',
  data: { runId, objectId, recoveryPointId: `rp-${objectId}`, items: 3, skippedItems: 0, bytes, at: later },
});

describe('run decider', () => {
  const spec = DeciderSpecification.for(runDecider);

  it('requests a run once', () => {
    spec.given([]).when({ type: 'RequestRun', data: { runId, jobId, organizationId, trigger: 'manual', requestedBy: 'user:1', at } }).then([requested]);
    spec.given([requested]).when({ type: 'RequestRun', data: { runId, jobId, organizationId, trigger: 'manual', at } }).thenThrows({ code: 'already_exists' });
  });

  it('plans objects in priority order, dropping duplicates, chunked to the event limit', () => {
    const objects = Array.from({ length: 501 }, (_, i) => ({ objectId: `o${i}`, repository }));
    const events = runDecider.decide({ type: 'PlanObjects', data: { runId, objects: [...objects, objects[0]], last: true, at } }, runDecider.evolve(runDecider.initialState(), requested));
    const list = Array.isArray(events) ? events : [events];
    expect(list.map((e) => [e.type, e.data.objects.length, e.data.last])).toEqual([
      ['RunObjectsPlanned', 500, false],
      ['RunObjectsPlanned', 1, true],
    ]);
  });

  it('completes at once with success when a run has nothing to back up', () => {
    spec
      .given([requested])
      .when({ type: 'PlanObjects', data: { runId, objects: [], last: true, at } })
      .then([
        RunObjectsPlanned.create({ runId, objects: [], last: true }),
        RunCompleted.create({ runId, jobId, status: 'success', backedUp: 0, failed: 0, skipped: 0, bytes: 0, completedAt: at }),
      ]);
  });

  it('refuses to plan a run twice and outcomes for unknown runs or objects', () => {
    spec.given([requested, planned]).when({ type: 'PlanObjects', data: { runId, objects: [], last: true, at } }).thenThrows({ code: 'conflict' });
    spec.given([]).when(backedUp('ada')).thenThrows({ code: 'not_found' });
    spec.given([requested, planned]).when(backedUp('zed')).thenThrows({ code: 'not_found', message: /zed/ });
  });

  it('records an object outcome and completes with the last one: success when nothing failed', () => {
    spec.given([requested, planned]).when(backedUp('ada')).then([ObjectBackedUp.create({ runId, objectId: 'ada', recoveryPointId: 'rp-ada', items: 3, skippedItems: 0, bytes: 500, at: later })]);
    spec
      .given([requested, planned, adaDone])
      .when({ type: 'RecordObjectSkipped', data: { runId, objectId: 'bob', reason: 'no mailbox', at: later } })
      .then([
        ObjectSkipped.create({ runId, objectId: 'bob', reason: 'no mailbox', at: later }),
        RunCompleted.create({ runId, jobId, status: 'success', backedUp: 1, failed: 0, skipped: 1, bytes: 1000, completedAt: later }),
      ]);
  });

  it('completes as partial when some failed, as failed when none was backed up', () => {
    spec
      .given([requested, planned, adaDone])
      .when({ type: 'RecordObjectFailed', data: { runId, objectId: 'bob', reason: 'throttled for too long', at: later } })
      .then([bobFailed, RunCompleted.create({ runId, jobId, status: 'partial', backedUp: 1, failed: 1, skipped: 0, bytes: 1000, completedAt: later })]);
    spec
      .given([requested, planned, bobFailed])
      .when({ type: 'RecordObjectFailed', data: { runId, objectId: 'ada', reason: 'mailbox gone', at: later } })
      .then([
        ObjectFailed.create({ runId, objectId: 'ada', reason: 'mailbox gone', at: later }),
        RunCompleted.create({ runId, jobId, status: 'failed', backedUp: 0, failed: 2, skipped: 0, bytes: 0, completedAt: later }),
      ]);
  });

  it('does not complete before the plan is complete', () => {
    const partialPlan = RunObjectsPlanned.create({ runId, objects: [{ objectId: 'ada', repository }], last: false });
    spec.given([requested, partialPlan]).when(backedUp('ada')).then([ObjectBackedUp.create({ runId, objectId: 'ada', recoveryPointId: 'rp-ada', items: 3, skippedItems: 0, bytes: 500, at: later })]);
  });

  it('ignores a redelivered outcome of a settled object', () => {
    spec.given([requested, planned, adaDone]).when(backedUp('ada')).thenNothingHappened();
    spec
      .given([requested, planned, bobFailed])
      .when({ type: 'RecordObjectSkipped', data: { runId, objectId: 'bob', reason: 'x', at: later } })
      .thenNothingHappened();
  });

  it('stops a run: unfinished objects are skipped and the run completes as stopped; stopping again is a no-op', () => {
    spec
      .given([requested, planned, adaDone])
      .when({ type: 'StopRun', data: { runId, requestedBy: 'user:2', at: later } })
      .then([
        RunStopRequested.create({ runId, requestedBy: 'user:2', at: later }),
        ObjectSkipped.create({ runId, objectId: 'bob', reason: STOPPED_REASON, at: later }),
        RunCompleted.create({ runId, jobId, status: 'stopped', backedUp: 1, failed: 0, skipped: 1, bytes: 1000, completedAt: later }),
      ]);
    const stopped = [
      requested,
      planned,
      RunStopRequested.create({ runId, requestedBy: 'user:2', at: later }),
      ObjectSkipped.create({ runId, objectId: 'ada', reason: STOPPED_REASON, at: later }),
      ObjectSkipped.create({ runId, objectId: 'bob', reason: STOPPED_REASON, at: later }),
      RunCompleted.create({ runId, jobId, status: 'stopped', backedUp: 0, failed: 0, skipped: 2, bytes: 0, completedAt: later }),
    ];
    spec.given(stopped).when({ type: 'StopRun', data: { runId, requestedBy: 'user:2', at: later } }).thenNothingHappened();
    // a worker that finished just after the stop still has its recovery point recorded, without a second completion
    spec.given(stopped).when(backedUp('ada')).then([ObjectBackedUp.create({ runId, objectId: 'ada', recoveryPointId: 'rp-ada', items: 3, skippedItems: 0, bytes: 500, at: later })]);
    spec.given(stopped).when({ type: 'RecordObjectFailed', data: { runId, objectId: 'bob', reason: 'x', at: later } }).thenNothingHappened();
    // planning after a stop is ignored
    spec.given([requested, RunStopRequested.create({ runId, requestedBy: 'u', at })]).when({ type: 'PlanObjects', data: { runId, objects: [{ objectId: 'x', repository }], last: true, at } }).thenNothingHappened();
  });

  it('retries the failed objects of a completed run in a new round, then completes again', () => {
    const partial = [requested, planned, adaDone, bobFailed, RunCompleted.create({ runId, jobId, status: 'partial', backedUp: 1, failed: 1, skipped: 0, bytes: 1000, completedAt: later })];
    const retried = FailedObjectsRetried.create({ runId, objectIds: ['bob'], requestedBy: 'user:1', at: later });
    spec.given(partial).when({ type: 'RetryFailedObjects', data: { runId, requestedBy: 'user:1', at: later } }).then([retried]);
    spec
      .given([...partial, retried])
      .when(backedUp('bob', 200))
      .then([
        ObjectBackedUp.create({ runId, objectId: 'bob', recoveryPointId: 'rp-bob', items: 3, skippedItems: 0, bytes: 200, at: later }),
        RunCompleted.create({ runId, jobId, status: 'success', backedUp: 2, failed: 0, skipped: 0, bytes: 1200, completedAt: later }),
      ]);
    const state = [...partial, retried].reduce(runDecider.evolve, runDecider.initialState());
    expect(state.status === 'running' && state.objects.map((o) => taskDedupeId(runId, o.objectId, o.round))).toEqual([`${runId}:ada`, `${runId}:bob:r1`]);
  });

  it('refuses a retry while running or without failures', () => {
    spec.given([requested, planned]).when({ type: 'RetryFailedObjects', data: { runId, requestedBy: 'u', at } }).thenThrows({ code: 'conflict', message: /still running/ });
    spec
      .given([requested, planned, adaDone, ObjectBackedUp.create({ ...adaDone.data, objectId: 'bob' }), RunCompleted.create({ runId, jobId, status: 'success', backedUp: 2, failed: 0, skipped: 0, bytes: 2000, completedAt: later })])
      .when({ type: 'RetryFailedObjects', data: { runId, requestedBy: 'u', at } })
      .thenThrows({ code: 'conflict', message: /no failed objects/ });
  });
});
