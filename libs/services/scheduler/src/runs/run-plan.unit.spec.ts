import { FailedObjectsRetried, ObjectBackedUp, ObjectFailed, RunCompleted, RunObjectsPlanned, RunRequested } from '@holdfast/contracts';
import { foldEvents } from '@holdfast/event-store';
import { objectsToDispatch, planRunObjects } from './run-plan';
import { runDecider } from './run.decider';

const runId = '9e0c6a4e-7b1d-4c55-9a3e-1f2b3c4d5e01';
const jobId = '0b7f5f5e-8a42-4a8e-9d3e-3f1f0c1d2e01';
const organizationId = '5a3c3f7e-1111-4c2d-8e9f-0a1b2c3d4e5f';
const at = '2026-01-05T10:00:00.000Z';

describe('planRunObjects', () => {
  const inventory = [
    { objectId: 'id-ada', address: 'ada@contoso.com' },
    { objectId: 'id-bob', address: 'bob@contoso.com' },
    { objectId: 'id-cy', address: 'cy@contoso.com' },
  ];

  it('keeps the job’s priority order for selected mailboxes, resolving addresses to ids', () => {
    const plan = planRunObjects({ kind: 'mailboxes', mailboxes: ['CY@contoso.com', 'ada@contoso.com', 'new@contoso.com'], exclude: [] }, { repository: '/r', overrides: [] }, inventory);
    expect(plan).toEqual([
      { objectId: 'id-cy', address: 'cy@contoso.com', repository: '/r' },
      { objectId: 'id-ada', address: 'ada@contoso.com', repository: '/r' },
      { objectId: 'new@contoso.com', address: 'new@contoso.com', repository: '/r' },
    ]);
  });

  it('takes the whole organization minus exclusions, with per-mailbox repositories', () => {
    const plan = planRunObjects(
      { kind: 'organization', exclude: ['BOB@contoso.com'] },
      { repository: '/default', overrides: [{ object: 'id-cy', repository: 's3://legal' }] },
      [...inventory, inventory[0]],
    );
    expect(plan).toEqual([
      { objectId: 'id-ada', address: 'ada@contoso.com', repository: '/default' },
      { objectId: 'id-cy', address: 'cy@contoso.com', repository: 's3://legal' },
    ]);
  });
});

describe('objectsToDispatch', () => {
  const base = [
    RunRequested.create({ runId, jobId, organizationId, trigger: 'manual', requestedAt: at }),
    RunObjectsPlanned.create({ runId, objects: ['a', 'b', 'c', 'd'].map((objectId) => ({ objectId, repository: '/r' })), last: true }),
  ];
  const done = (objectId: string) => ObjectBackedUp.create({ runId, objectId, recoveryPointId: `rp-${objectId}`, items: 1, skippedItems: 0, bytes: 1, at });

  it('lets at most `concurrency` objects out, the next one when one settles', () => {
    expect(objectsToDispatch(foldEvents(runDecider, base), 3).map((o) => o.objectId)).toEqual(['a', 'b', 'c']);
    expect(objectsToDispatch(foldEvents(runDecider, [...base, done('b')]), 3).map((o) => o.objectId)).toEqual(['a', 'c', 'd']);
    expect(objectsToDispatch(foldEvents(runDecider, [...base, done('a'), done('b'), done('c'), done('d')]), 3)).toEqual([]);
  });

  it('dispatches retried objects with their new round', () => {
    const events = [
      ...base,
      done('a'),
      done('b'),
      done('c'),
      ObjectFailed.create({ runId, objectId: 'd', reason: 'x', at }),
      RunCompleted.create({ runId, jobId, status: 'partial', backedUp: 3, failed: 1, skipped: 0, bytes: 3, completedAt: at }),
      FailedObjectsRetried.create({ runId, objectIds: ['d'], requestedBy: 'u', at }),
    ];
    expect(objectsToDispatch(foldEvents(runDecider, events), 3)).toEqual([{ objectId: 'd', repository: '/r', round: 1 }]);
  });
});
