/**
 * Expands a Graph patternedRecurrence into occurrence dates. Times are taken as UTC wall-clock
 * (the simulator seeds events in UTC); the pattern rules follow Graph's recurrencePattern docs.
 */
export type DayOfWeek = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';
export type WeekIndex = 'first' | 'second' | 'third' | 'fourth' | 'last';

export interface RecurrencePattern {
  type: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
  interval: number;
  month?: number;
  dayOfMonth?: number;
  daysOfWeek?: DayOfWeek[];
  firstDayOfWeek?: DayOfWeek;
  index?: WeekIndex;
}

export interface RecurrenceRange {
  type: 'endDate' | 'noEnd' | 'numbered';
  startDate: string;
  endDate?: string;
  numberOfOccurrences?: number;
  recurrenceTimeZone?: string;
}

export interface PatternedRecurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}

export const DAYS: readonly DayOfWeek[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DAY_MS = 86_400_000;
/** Stop expanding after this many years whatever the range says. */
const HORIZON_DAYS = 366 * 20;

function parseDate(d: string): number {
  const [y, m, day] = d.slice(0, 10).split('-').map(Number);
  return Date.UTC(y, m - 1, day);
}

export function formatDate(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

function nthWeekdayOfMonth(year: number, month: number, day: number, index: WeekIndex): number | undefined {
  if (index === 'last') {
    const last = Date.UTC(year, month + 1, 0);
    const back = (new Date(last).getUTCDay() - day + 7) % 7;
    return last - back * DAY_MS;
  }
  const first = Date.UTC(year, month, 1);
  const ahead = (day - new Date(first).getUTCDay() + 7) % 7;
  const n = ['first', 'second', 'third', 'fourth'].indexOf(index);
  const t = first + (ahead + 7 * n) * DAY_MS;
  return new Date(t).getUTCMonth() === month ? t : undefined;
}

/** Candidate dates (UTC midnight ms) in ascending order, unbounded; the caller applies the range. */
function* candidates(p: RecurrencePattern, start: number): Generator<number> {
  const interval = Math.max(1, p.interval || 1);
  const startDate = new Date(start);
  switch (p.type) {
    case 'daily':
      for (let t = start; ; t += interval * DAY_MS) yield t;
    case 'weekly': {
      const first = DAYS.indexOf(p.firstDayOfWeek ?? 'sunday');
      const weekStart = start - ((startDate.getUTCDay() - first + 7) % 7) * DAY_MS;
      const offsets = (p.daysOfWeek ?? [DAYS[startDate.getUTCDay()]]).map((d) => (DAYS.indexOf(d) - first + 7) % 7).sort((a, b) => a - b);
      for (let w = weekStart; ; w += 7 * interval * DAY_MS) for (const o of offsets) yield w + o * DAY_MS;
    }
    case 'absoluteMonthly':
    case 'relativeMonthly':
    case 'absoluteYearly':
    case 'relativeYearly': {
      const yearly = p.type.endsWith('Yearly');
      const step = yearly ? 12 * interval : interval;
      let y = startDate.getUTCFullYear();
      let m = yearly ? (p.month ?? startDate.getUTCMonth() + 1) - 1 : startDate.getUTCMonth();
      for (;;) {
        if (p.type.startsWith('absolute')) {
          const dom = p.dayOfMonth ?? startDate.getUTCDate();
          const t = Date.UTC(y, m, dom);
          if (new Date(t).getUTCMonth() === ((m % 12) + 12) % 12) yield t;
        } else {
          const found = (p.daysOfWeek ?? [DAYS[startDate.getUTCDay()]])
            .map((d) => nthWeekdayOfMonth(y, m, DAYS.indexOf(d), p.index ?? 'first'))
            .filter((t): t is number => t !== undefined)
            .sort((a, b) => a - b);
          // with several days, Graph picks the first matching day of the set
          if (found.length) yield found[0];
        }
        m += step;
        y += Math.floor(m / 12);
        m = m % 12;
      }
    }
  }
}

/**
 * Dates (YYYY-MM-DD) of the occurrences of a series that fall in [fromDate, toDate] (inclusive), in
 * order, honouring the range (endDate, numbered count, noEnd).
 */
export function occurrenceDates(recurrence: PatternedRecurrence, fromDate?: string, toDate?: string): string[] {
  const start = parseDate(recurrence.range.startDate);
  const rangeEnd = recurrence.range.type === 'endDate' && recurrence.range.endDate ? parseDate(recurrence.range.endDate) : Infinity;
  const max = recurrence.range.type === 'numbered' ? Math.max(0, recurrence.range.numberOfOccurrences ?? 0) : Infinity;
  const from = fromDate ? parseDate(fromDate) : -Infinity;
  const to = Math.min(toDate ? parseDate(toDate) : Infinity, rangeEnd, start + HORIZON_DAYS * DAY_MS);
  const out: string[] = [];
  let count = 0;
  for (const t of candidates(recurrence.pattern, start)) {
    if (t < start) continue;
    if (t > to || count >= max) break;
    count++;
    if (t >= from) out.push(formatDate(t));
  }
  return out;
}
