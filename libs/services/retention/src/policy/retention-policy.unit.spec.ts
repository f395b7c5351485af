import { evaluateRetention, validateRetentionPolicy, type RetentionPoint } from './retention-policy';

const kept = (verdicts: ReturnType<typeof evaluateRetention>) => verdicts.filter((v) => v.decision === 'keep').map((v) => v.id);
const reasonsOf = (verdicts: ReturnType<typeof evaluateRetention>, id: string) => verdicts.find((v) => v.id === id)?.reasons;

/** One point per hour at minute 0 from `from` (UTC) for `hours` hours, ids p0, p1, ... */
function hourly(from: string, hours: number): RetentionPoint[] {
  const start = Date.parse(from);
  return Array.from({ length: hours }, (_, i) => ({ id: `p${i}`, time: new Date(start + i * 3_600_000).toISOString() }));
}

describe('evaluateRetention', () => {
  it('returns nothing for no points', () => {
    expect(evaluateRetention([], { keepLast: 3 }, '2026-01-10T00:00:00Z')).toEqual([]);
  });

  it('keeps the last N and expires the rest, answering in input order', () => {
    const points = [
      { id: 'b', time: '2026-01-02T00:00:00Z' },
      { id: 'd', time: '2026-01-04T00:00:00Z' },
      { id: 'a', time: '2026-01-01T00:00:00Z' },
      { id: 'c', time: '2026-01-03T00:00:00Z' },
    ];
    const verdicts = evaluateRetention(points, { keepLast: 2 }, '2026-01-10T00:00:00Z');
    expect(verdicts.map((v) => v.id)).toEqual(['b', 'd', 'a', 'c']);
    expect(kept(verdicts)).toEqual(['d', 'c']);
    expect(reasonsOf(verdicts, 'd')).toEqual(['latest', 'last']);
    expect(reasonsOf(verdicts, 'c')).toEqual(['last']);
    expect(verdicts.find((v) => v.id === 'a')).toEqual({ id: 'a', time: '2026-01-01T00:00:00Z', decision: 'expire', reasons: ['not-retained'] });
  });

  it('keeps everything with forever', () => {
    const points = hourly('2020-01-01T00:00:00Z', 50);
    const verdicts = evaluateRetention(points, { forever: true }, '2026-01-10T00:00:00Z');
    expect(verdicts.every((v) => v.decision === 'keep' && v.reasons.includes('forever'))).toBe(true);
  });

  it('always keeps the newest point even when the calendar rules would drop it', () => {
    const points = [
      { id: 'old', time: '2025-01-01T00:00:00Z' },
      { id: 'older', time: '2024-12-31T00:00:00Z' },
    ];
    const verdicts = evaluateRetention(points, { daily: 7 }, '2026-01-10T00:00:00Z');
    expect(kept(verdicts)).toEqual(['old']);
    expect(reasonsOf(verdicts, 'old')).toEqual(['latest']);
  });

  it('keeps the newest point of each of the last X days, today included', () => {
    // 4 points a day from Jan 1 to Jan 10 (06:00, 12:00, 18:00, 23:59:59)
    const points: RetentionPoint[] = [];
    for (let day = 1; day <= 10; day++) {
      for (const t of ['06:00:00', '12:00:00', '18:00:00', '23:59:59']) {
        points.push({ id: `d${day}-${t}`, time: `2026-01-${String(day).padStart(2, '0')}T${t}Z` });
      }
    }
    const now = '2026-01-10T20:00:00Z'; // today: 06, 12, 18 exist; 23:59:59 is in the future
    const verdicts = evaluateRetention(points, { daily: 3 }, now);
    expect(kept(verdicts).sort()).toEqual(['d10-18:00:00', 'd10-23:59:59', 'd8-23:59:59', 'd9-23:59:59'].sort());
    expect(reasonsOf(verdicts, 'd10-23:59:59')).toEqual(['future', 'latest']);
    expect(reasonsOf(verdicts, 'd10-18:00:00')).toEqual(['daily']);
    expect(reasonsOf(verdicts, 'd8-23:59:59')).toEqual(['daily']);
    expect(verdicts.find((v) => v.id === 'd7-23:59:59')?.decision).toBe('expire');
  });

  it('cuts days at midnight of the policy time zone, not UTC', () => {
    // 23:30 UTC on Jan 5 is 00:30 on Jan 6 in Berlin (UTC+1)
    const points = [
      { id: 'late', time: '2026-01-05T23:30:00Z' },
      { id: 'evening', time: '2026-01-05T20:00:00Z' },
      { id: 'newest', time: '2026-01-06T12:00:00Z' },
    ];
    const now = '2026-01-06T13:00:00Z';
    const utc = evaluateRetention(points, { daily: 2 }, now);
    expect(kept(utc).sort()).toEqual(['late', 'newest']);
    const berlin = evaluateRetention(points, { daily: 2, timeZone: 'Europe/Berlin' }, now);
    // in Berlin 'late' belongs to Jan 6 with 'newest'; Jan 5 is represented by 'evening'
    expect(kept(berlin).sort()).toEqual(['evening', 'newest']);
  });

  it('handles a daylight-saving day (23 hours) as one day', () => {
    // Europe/Berlin springs forward on 2026-03-29
    const points = [
      { id: 'before', time: '2026-03-28T22:30:00Z' }, // 23:30 Mar 28 local
      { id: 'dst-early', time: '2026-03-28T23:30:00Z' }, // 00:30 Mar 29 local
      { id: 'dst-late', time: '2026-03-29T21:30:00Z' }, // 23:30 Mar 29 local (CEST)
      { id: 'next', time: '2026-03-29T22:30:00Z' }, // 00:30 Mar 30 local
    ];
    const verdicts = evaluateRetention(points, { daily: 3, timeZone: 'Europe/Berlin' }, '2026-03-30T08:00:00Z');
    expect(kept(verdicts).sort()).toEqual(['before', 'dst-late', 'next']);
  });

  it('keeps one point per ISO week (Monday first)', () => {
    const points = [
      { id: 'sun', time: '2026-01-11T10:00:00Z' }, // Sunday, week of Jan 5
      { id: 'sat', time: '2026-01-10T10:00:00Z' },
      { id: 'mon', time: '2026-01-12T10:00:00Z' }, // Monday, week of Jan 12
      { id: 'prev-week', time: '2026-01-04T10:00:00Z' }, // Sunday, week of Dec 29
    ];
    const verdicts = evaluateRetention(points, { weekly: 2 }, '2026-01-13T00:00:00Z');
    expect(kept(verdicts).sort()).toEqual(['mon', 'sun']);
    expect(reasonsOf(verdicts, 'sun')).toEqual(['weekly']);
  });

  it('keeps one point per month and per year, and combines GFS reasons on one point', () => {
    const points = [
      { id: '2023-12', time: '2023-12-31T12:00:00Z' },
      { id: '2024-06', time: '2024-06-15T12:00:00Z' },
      { id: '2024-12', time: '2024-12-31T12:00:00Z' },
      { id: '2025-11', time: '2025-11-30T12:00:00Z' },
      { id: '2025-12a', time: '2025-12-01T12:00:00Z' },
      { id: '2025-12b', time: '2025-12-31T12:00:00Z' },
      { id: '2026-01', time: '2026-01-05T12:00:00Z' },
    ];
    const verdicts = evaluateRetention(points, { monthly: 3, yearly: 2 }, '2026-01-06T00:00:00Z');
    expect(kept(verdicts).sort()).toEqual(['2025-11', '2025-12b', '2026-01']);
    expect(reasonsOf(verdicts, '2026-01')).toEqual(['latest', 'monthly', 'yearly']);
    expect(reasonsOf(verdicts, '2025-12b')).toEqual(['monthly', 'yearly']);

    const threeYears = evaluateRetention(points, { yearly: 3 }, '2026-01-06T00:00:00Z');
    expect(kept(threeYears).sort()).toEqual(['2024-12', '2025-12b', '2026-01']);
  });

  it('counts the period boundary exactly: the first instant of the oldest period is inside', () => {
    const now = '2026-01-10T12:00:00Z';
    const points = [
      { id: 'edge', time: '2026-01-08T00:00:00.000Z' },
      { id: 'just-before', time: '2026-01-07T23:59:59.999Z' },
      { id: 'newest', time: '2026-01-10T11:00:00Z' },
    ];
    expect(kept(evaluateRetention(points, { daily: 3 }, now)).sort()).toEqual(['edge', 'newest']);
  });

  it('never expires points inside the immutability period, up to the exact instant', () => {
    const points = hourly('2026-01-01T00:00:00Z', 72); // p71 is 2026-01-03T23:00Z
    const now = '2026-01-04T00:00:00Z';
    const verdicts = evaluateRetention(points, { keepLast: 1, immutableDays: 1 }, now);
    // immutable: time + 1 day > now, i.e. time > 2026-01-03T00:00Z -> p49..p71
    expect(kept(verdicts)).toEqual(points.slice(49).map((p) => p.id));
    expect(reasonsOf(verdicts, 'p48')).toEqual(['not-retained']);
    expect(reasonsOf(verdicts, 'p49')).toEqual(['immutable']);
  });

  it('treats points in the future as kept and outside every calendar rule', () => {
    const points = [
      { id: 'future', time: '2026-01-11T00:00:00Z' },
      { id: 'today', time: '2026-01-10T01:00:00Z' },
    ];
    const verdicts = evaluateRetention(points, { daily: 1 }, '2026-01-10T12:00:00Z');
    expect(reasonsOf(verdicts, 'future')).toEqual(['future', 'latest']);
    expect(reasonsOf(verdicts, 'today')).toEqual(['daily']);
  });

  it('gives the same answer whatever the input order, also for equal times', () => {
    const points = [
      { id: 'x', time: '2026-01-05T00:00:00Z' },
      { id: 'y', time: '2026-01-05T00:00:00Z' },
      { id: 'z', time: '2026-01-04T00:00:00Z' },
    ];
    const a = kept(evaluateRetention(points, { keepLast: 1 }, '2026-01-10T00:00:00Z'));
    const b = kept(evaluateRetention([...points].reverse(), { keepLast: 1 }, '2026-01-10T00:00:00Z'));
    expect(a).toEqual(b);
    expect(a).toHaveLength(1);
  });

  it('accepts timestamps with offsets', () => {
    const points = [
      { id: 'a', time: '2026-01-05T01:00:00+02:00' }, // Jan 4 23:00 UTC
      { id: 'b', time: '2026-01-04T12:00:00Z' },
      { id: 'c', time: '2026-01-05T10:00:00Z' },
    ];
    expect(kept(evaluateRetention(points, { daily: 2 }, '2026-01-05T12:00:00Z')).sort()).toEqual(['a', 'c']);
  });

  it('rejects bad policies and timestamps, naming what is wrong', () => {
    expect(() => validateRetentionPolicy({})).toThrow(/set forever, keepLast/);
    expect(() => validateRetentionPolicy({ keepLast: 0, daily: 0 })).toThrow(/set forever/);
    expect(() => validateRetentionPolicy({ keepLast: -1 })).toThrow(/keepLast/);
    expect(() => validateRetentionPolicy({ daily: 1.5 })).toThrow(/daily/);
    expect(() => validateRetentionPolicy({ daily: 1, timeZone: 'Mars/Olympus' })).toThrow(/timeZone/);
    expect(() => evaluateRetention([{ id: 'a', time: 'yesterday' }], { keepLast: 1 }, '2026-01-01T00:00:00Z')).toThrow(/point a/);
    expect(() => evaluateRetention([], { keepLast: 1 }, 'now')).toThrow(/now/);
    try {
      validateRetentionPolicy({ weekly: -3 });
      throw new Error('expected a rejection');
    } catch (error) {
      expect(error).toMatchObject({ code: 'validation_failed', details: { field: 'weekly' } });
    }
  });
});
