import { backoffFor, isRetryableError, PoisonMessageError, resolveDelivery } from './delivery-policy';
import { HoldfastError } from '@holdfast/contracts';
import { eventSubjectPatterns, subjectMatches, TopologyNames } from './topology-naming';

describe('TopologyNames', () => {
  const n = new TopologyNames('holdfast');

  it('derives every stream, consumer and subject from the namespace', () => {
    expect(n.eventStream).toBe('HOLDFAST_EVENTS');
    expect(n.taskStream).toBe('HOLDFAST_TASKS');
    expect(new TopologyNames('acme-prod').eventStream).toBe('ACME_PROD_EVENTS');
    expect(n.eventSubject('t1', 'RunRequested')).toBe('holdfast.evt.t1.RunRequested');
    expect(n.eventConsumer('catalog-indexer')).toBe('holdfast_evt_catalog-indexer');
    expect(n.taskSubject('backup', 't1')).toBe('holdfast.task.backup.t1');
    expect(n.taskQueueFilter('backup')).toBe('holdfast.task.backup.>');
    expect(n.taskConsumer('backup')).toBe('holdfast_task_backup');
    expect(n.taskMessageId('backup', 't1', 'run1:obj1')).toBe('task:backup:t1:run1:obj1');
    expect(n.rpcSubject('auth', 'getToken')).toBe('holdfast.rpc.auth.getToken');
    expect(n.rpcQueueGroup('auth')).toBe('holdfast.rpc.auth');
  });

  it('turns relative patterns into filter subjects, every event by default', () => {
    expect(n.eventFilterSubjects(undefined)).toEqual(['holdfast.evt.>']);
    expect(n.eventFilterSubjects(eventSubjectPatterns(['RunRequested', 'RunFinished']))).toEqual([
      'holdfast.evt.*.RunRequested',
      'holdfast.evt.*.RunFinished',
    ]);
    expect(n.eventFilterSubjects(eventSubjectPatterns(['RunRequested'], 't9'))).toEqual(['holdfast.evt.t9.RunRequested']);
  });

  it('rejects names that would break the subject layout, naming what was wrong', () => {
    expect(() => new TopologyNames('Holdfast')).toThrow(/namespace "Holdfast" is invalid/);
    expect(() => new TopologyNames('a.b')).toThrow(HoldfastError);
    expect(() => n.eventSubject('t.1', 'X')).toThrow(/tenant id "t.1"/);
    expect(() => n.eventSubject('t1', 'X Y')).toThrow(/event type/);
    expect(() => n.eventFilterSubjects(['>.X'])).toThrow(/'>' must be the last token/);
    expect(() => n.eventFilterSubjects(['a.b.c'])).toThrow(/more than <tenantId>.<eventType>/);
    expect(() => n.eventConsumer('has space')).toThrow(/durable name/);
    expect(() => n.taskSubject('Backup', 't1')).toThrow(/queue name/);
    expect(() => n.taskMessageId('q', 't', '')).toThrow(/dedupeId is required/);
  });
});

describe('subjectMatches', () => {
  it.each([
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.b.d', false],
    ['a.>', 'a.b.c', true],
    ['a.>', 'a', false],
    ['a.b', 'a.b.c', false],
    ['a.b.c', 'a.b', false],
    ['*.X', 't1.X', true],
  ])('%s matches %s: %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('delivery policy', () => {
  it('retries transient errors and unknown ones, not permanent ones or poison', () => {
    expect(isRetryableError(new HoldfastError('throttled', 'x'))).toBe(true);
    expect(isRetryableError(new HoldfastError('unavailable', 'x'))).toBe(true);
    expect(isRetryableError(new Error('socket hang up'))).toBe(true);
    expect(isRetryableError(new HoldfastError('validation_failed', 'x'))).toBe(false);
    expect(isRetryableError(new HoldfastError('forbidden', 'x'))).toBe(false);
    expect(isRetryableError(new PoisonMessageError('x'))).toBe(false);
  });

  it('walks the backoff list by delivery and repeats its last entry', () => {
    const d = resolveDelivery({ backoffMs: [10, 20, 30] });
    expect([1, 2, 3, 4, 9].map((n) => backoffFor(d, n))).toEqual([10, 20, 30, 30, 30]);
  });

  it('rejects settings that cannot work', () => {
    expect(() => resolveDelivery({ maxDeliver: 0 })).toThrow(/maxDeliver/);
    expect(() => resolveDelivery({ concurrency: 1.5 })).toThrow(/concurrency/);
    expect(() => resolveDelivery({ ackWaitMs: 5 })).toThrow(/ackWaitMs/);
    expect(() => resolveDelivery({ backoffMs: [] })).toThrow(/backoffMs/);
  });

  it('lets a spec override the bus defaults', () => {
    const d = resolveDelivery({ maxDeliver: 7 }, { maxDeliver: 2, ackWaitMs: 500 });
    expect(d).toMatchObject({ maxDeliver: 7, ackWaitMs: 500, concurrency: 1 });
  });
});
