import { occurrenceDates } from './recurrence';

describe('recurrence expansion', () => {
  it('weekly on several days, numbered', () => {
    const d = occurrenceDates({
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday', 'friday'], firstDayOfWeek: 'monday' },
      range: { type: 'numbered', startDate: '2026-01-07', numberOfOccurrences: 5 },
    });
    expect(d).toEqual(['2026-01-07', '2026-01-09', '2026-01-12', '2026-01-14', '2026-01-16']);
  });

  it('every second week, no end, clipped to a window', () => {
    const d = occurrenceDates(
      { pattern: { type: 'weekly', interval: 2, daysOfWeek: ['thursday'] }, range: { type: 'noEnd', startDate: '2026-01-08' } },
      '2026-02-01',
      '2026-03-10',
    );
    expect(d).toEqual(['2026-02-05', '2026-02-19', '2026-03-05']);
  });

  it('relative monthly (first Tuesday, last Friday) until an end date', () => {
    expect(
      occurrenceDates({
        pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['tuesday'], index: 'first' },
        range: { type: 'endDate', startDate: '2026-01-06', endDate: '2026-04-30' },
      }),
    ).toEqual(['2026-01-06', '2026-02-03', '2026-03-03', '2026-04-07']);
    expect(
      occurrenceDates({
        pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' },
        range: { type: 'numbered', startDate: '2026-01-01', numberOfOccurrences: 2 },
      }),
    ).toEqual(['2026-01-30', '2026-02-27']);
  });

  it('absolute monthly skips months without the day; daily with interval; yearly', () => {
    expect(
      occurrenceDates({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { type: 'numbered', startDate: '2026-01-31', numberOfOccurrences: 3 } }),
    ).toEqual(['2026-01-31', '2026-03-31', '2026-05-31']);
    expect(occurrenceDates({ pattern: { type: 'daily', interval: 3 }, range: { type: 'endDate', startDate: '2026-01-01', endDate: '2026-01-10' } })).toEqual([
      '2026-01-01', '2026-01-04', '2026-01-07', '2026-01-10',
    ]);
    expect(
      occurrenceDates({ pattern: { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 14 }, range: { type: 'noEnd', startDate: '2026-02-14' } }, '2026-01-01', '2028-12-31'),
    ).toEqual(['2026-02-14', '2027-02-14', '2028-02-14']);
  });
});
