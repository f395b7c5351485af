import { jobScheduleSchema, type JobScheduleInput } from '@holdfast/contracts';
import { chainedRun, evaluateSchedule, nextOccurrence, occurrences, validateSchedule } from './schedule-evaluator';

const s = (input: JobScheduleInput) => jobScheduleSchema.parse(input);
const all = (schedule: ReturnType<typeof s>, after: string, until: string) => [...occurrences(schedule, after, until)].map((o) => o.dueAt);

describe('schedule evaluator', () => {
  describe('daily/weekly', () => {
    const weekdays = s({ kind: 'daily', timeZone: 'Europe/Berlin', at: '22:00', endAt: '06:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] });

    it('starts at the local time on the chosen days, with the window ending the next morning', () => {
      // 2026-01-09 is a Friday
      expect(nextOccurrence(weekdays, '2026-01-09T12:00:00Z')).toEqual({
        dueAt: '2026-01-09T21:00:00.000Z',
        deadline: '2026-01-10T05:00:00.000Z',
      });
      // after Friday's start, the next one is Monday
      expect(nextOccurrence(weekdays, '2026-01-09T21:00:00Z')?.dueAt).toBe('2026-01-12T21:00:00.000Z');
    });

    it('follows daylight saving time: same wall clock, other UTC hour', () => {
      const daily = s({ kind: 'daily', timeZone: 'Europe/Berlin', at: '02:30' });
      // 2026-03-29 02:30 does not exist in Berlin: it runs at the first instant after the gap
      expect(all(daily, '2026-03-27T12:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
        '2026-03-28T01:30:00.000Z',
        '2026-03-29T01:30:00.000Z',
        '2026-03-30T00:30:00.000Z',
      ]);
    });

    it('does not run before its effective-from date', () => {
      const later = s({ kind: 'daily', timeZone: 'UTC', at: '01:00', effectiveFrom: '2026-02-01' });
      expect(nextOccurrence(later, '2026-01-01T00:00:00Z')?.dueAt).toBe('2026-02-01T01:00:00.000Z');
    });
  });

  describe('monthly/yearly', () => {
    it('runs on the last day of each month, and clamps day 31 in short months', () => {
      const last = s({ kind: 'monthly', timeZone: 'UTC', at: '03:00', day: 'last' });
      expect(all(last, '2026-01-15T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
        '2026-01-31T03:00:00.000Z',
        '2026-02-28T03:00:00.000Z',
        '2026-03-31T03:00:00.000Z',
      ]);
      const d31 = s({ kind: 'monthly', timeZone: 'UTC', at: '03:00', day: 31, months: [2, 4] });
      expect(all(d31, '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z')).toEqual(['2026-02-28T03:00:00.000Z', '2026-04-30T03:00:00.000Z']);
    });

    it('runs once a year on its day; Feb 29 falls back to Feb 28 in other years', () => {
      const leap = s({ kind: 'yearly', timeZone: 'America/New_York', at: '23:00', month: 2, day: 29 });
      expect(all(leap, '2026-01-01T00:00:00Z', '2029-01-01T00:00:00Z')).toEqual([
        '2026-03-01T04:00:00.000Z',
        '2027-03-01T04:00:00.000Z',
        '2028-03-01T04:00:00.000Z',
      ]);
      expect(nextOccurrence(leap, '2027-03-01T04:00:00Z')?.dueAt).toBe('2028-03-01T04:00:00.000Z');
    });
  });

  describe('periodic', () => {
    const hourly = s({ kind: 'periodic', timeZone: 'UTC', every: 2, unit: 'hours', from: '08:00', until: '13:00', days: ['mon'] });

    it('runs every N inside the window on the chosen days, the window end as deadline', () => {
      // 2026-01-12 is a Monday
      expect([...occurrences(hourly, '2026-01-11T00:00:00Z', '2026-01-18T00:00:00Z')]).toEqual([
        { dueAt: '2026-01-12T08:00:00.000Z', deadline: '2026-01-12T13:00:00.000Z' },
        { dueAt: '2026-01-12T10:00:00.000Z', deadline: '2026-01-12T13:00:00.000Z' },
        { dueAt: '2026-01-12T12:00:00.000Z', deadline: '2026-01-12T13:00:00.000Z' },
      ]);
    });
  });

  describe('evaluateSchedule', () => {
    const every15 = s({ kind: 'periodic', timeZone: 'UTC', every: 15, unit: 'minutes' });

    it('has nothing due between occurrences and tells the next one', () => {
      const result = evaluateSchedule(every15, '2026-01-05T10:00:00Z', '2026-01-05T10:10:00Z');
      expect(result).toEqual({ missedOutsideWindow: 0, next: { dueAt: '2026-01-05T10:15:00.000Z', deadline: '2026-01-05T23:59:00.000Z' } });
    });

    it('is due exactly at the occurrence (inclusive) and not again on the next tick', () => {
      const first = evaluateSchedule(every15, '2026-01-05T10:10:00Z', '2026-01-05T10:15:00Z');
      expect(first.due).toEqual({ dueAt: '2026-01-05T10:15:00.000Z', deadline: '2026-01-05T23:59:00.000Z', coalesced: 1 });
      expect(evaluateSchedule(every15, '2026-01-05T10:15:00Z', '2026-01-05T10:16:00Z').due).toBeUndefined();
    });

    it('coalesces the runs missed during downtime into one run for the latest occurrence', () => {
      // down from 10:00 to 13:07: 12 occurrences (10:15 ... 13:00)
      const result = evaluateSchedule(every15, '2026-01-05T10:00:00Z', '2026-01-05T13:07:00Z');
      expect(result.due).toEqual({ dueAt: '2026-01-05T13:00:00.000Z', deadline: '2026-01-05T23:59:00.000Z', coalesced: 12 });
      expect(result.next?.dueAt).toBe('2026-01-05T13:15:00.000Z');
    });

    it('starts nothing when the latest missed window has already closed', () => {
      const nightly = s({ kind: 'daily', timeZone: 'UTC', at: '22:00', endAt: '02:00' });
      // down from Jan 4 12:00 to Jan 6 09:00: the Jan 5 22:00-02:00 window is gone
      const result = evaluateSchedule(nightly, '2026-01-04T12:00:00Z', '2026-01-06T09:00:00Z');
      expect(result.due).toBeUndefined();
      expect(result.missedOutsideWindow).toBe(2);
      expect(result.next?.dueAt).toBe('2026-01-06T22:00:00.000Z');
      // inside the window the missed run still starts
      expect(evaluateSchedule(nightly, '2026-01-05T12:00:00Z', '2026-01-06T01:00:00Z').due?.dueAt).toBe('2026-01-05T22:00:00.000Z');
    });

    it('never fires for on-demand and chained schedules', () => {
      expect(evaluateSchedule(s({ kind: 'on-demand' }), '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')).toEqual({ missedOutsideWindow: 0 });
    });

    it('treats a last evaluation in the future as now (clock moved back)', () => {
      expect(evaluateSchedule(every15, '2026-01-06T00:00:00Z', '2026-01-05T10:16:00Z').due).toBeUndefined();
    });
  });

  describe('chained jobs', () => {
    const jobA = '6f1c1a52-5d3f-4a43-9d55-2a6c3f0e8a01';
    const after = s({ kind: 'after-job', jobId: jobA, on: ['success', 'stopped'], delayMinutes: 30 });

    it('runs after the other job with the delay, only on the chosen outcomes', () => {
      expect(chainedRun(after, { jobId: jobA, status: 'success', completedAt: '2026-01-05T10:00:00Z' })).toEqual({
        dueAt: '2026-01-05T10:30:00.000Z',
      });
      expect(chainedRun(after, { jobId: jobA, status: 'stopped', completedAt: '2026-01-05T10:00:00Z' })).toBeDefined();
      expect(chainedRun(after, { jobId: jobA, status: 'failed', completedAt: '2026-01-05T10:00:00Z' })).toBeUndefined();
      expect(chainedRun(after, { jobId: jobA, status: 'partial', completedAt: '2026-01-05T10:00:00Z' })).toBeUndefined();
      expect(chainedRun(after, { jobId: 'other', status: 'success', completedAt: '2026-01-05T10:00:00Z' })).toBeUndefined();
    });
  });

  describe('validateSchedule', () => {
    it('names the bad schedule and what is wrong with it', () => {
      expect(() => validateSchedule(s({ kind: 'daily', timeZone: 'Nowhere/City', at: '01:00' }), 1)).toThrow(/schedule 2 \(daily\): time zone "Nowhere\/City"/);
      expect(() => validateSchedule(s({ kind: 'periodic', every: 1, unit: 'minutes' }))).toThrow(/at most every 5 minutes/);
      expect(() => validateSchedule(s({ kind: 'periodic', every: 1, unit: 'hours', from: '10:00', until: '09:00' }))).toThrow(/window start/);
      expect(() => validateSchedule(s({ kind: 'yearly', at: '01:00', month: 2, day: 30 }))).toThrow(/no day 30/);
      expect(() => validateSchedule(s({ kind: 'daily', at: '01:00', endAt: '01:00' }))).toThrow(/end time/);
      expect(() => validateSchedule(s({ kind: 'daily', at: '01:00', endAt: '05:00' }))).not.toThrow();
    });
  });
});
