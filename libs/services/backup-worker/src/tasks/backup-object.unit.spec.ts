import { BACKUP_MAILBOX_TASK, BACKUP_QUEUE, HoldfastError, type BackupMailboxTaskData } from '@holdfast/contracts';
import type { AckContext, TaskMessage } from '@holdfast/messaging';
import type { Pool } from 'pg';
import { BackupObjectHandler } from './backup-object.usecase';
import { SyncStateRepository } from './sync-state.repository';

const data: BackupMailboxTaskData = { runId: 'r', jobId: 'j', organizationId: 'o', objectId: 'ada@x.com', repository: '/repo' };
const task: TaskMessage<BackupMailboxTaskData> = { queue: BACKUP_QUEUE, type: BACKUP_MAILBOX_TASK, tenantId: 't', dedupeId: 'r:ada@x.com', data, schemaVersion: 1, publishedAt: '2026-01-01T00:00:00Z' };
const ctx = (deliveryCount: number) => ({ deliveryCount, ack: jest.fn(), working: jest.fn() }) as unknown as AckContext;

describe('BackupObjectHandler failure reporting', () => {
  const noState = new (class extends SyncStateRepository {
    override async load() {
      return undefined;
    }
  })();

  function handler(error: Error, reports: string[]) {
    return new BackupObjectHandler({
      pool: {} as Pool,
      store: {} as never,
      graphFor: async () => {
        throw error;
      },
      openRepository: async () => {
        throw new Error('not reached');
      },
      syncState: noState,
      maxDeliver: 3,
      reportFailure: async (t, reason) => void reports.push(`${t.tenantId}/${t.runId}/${t.objectId}: ${reason}`),
    });
  }

  it('reports nothing while the queue will still retry a transient failure', async () => {
    const reports: string[] = [];
    await expect(handler(new Error('socket hang up'), reports).handle(task, ctx(2))).rejects.toThrow('socket hang up');
    expect(reports).toEqual([]);
  });

  it('reports the failure on the last delivery', async () => {
    const reports: string[] = [];
    await expect(handler(new Error('socket hang up'), reports).handle(task, ctx(3))).rejects.toThrow();
    expect(reports).toEqual(['t/r/ada@x.com: socket hang up']);
  });

  it('reports at once an error that is not worth a retry', async () => {
    const reports: string[] = [];
    const denied = new HoldfastError('permissions_missing', 'Mail.Read is not granted');
    await expect(handler(denied, reports).handle(task, ctx(1))).rejects.toBe(denied);
    expect(reports).toEqual(['t/r/ada@x.com: Mail.Read is not granted']);
  });
});
