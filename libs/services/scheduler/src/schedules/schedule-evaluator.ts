import { HoldfastError, type JobSchedule, type RunStatus, type Weekday } from '@holdfast/contracts';
import { DateTime, IANAZone } from 'luxon';

/** One start time of a schedule, with the end of its window when it has one. */
export interface Occurrence {
  readonly dueAt: string;
  /** A run started for this occurrence is stopped at this time. */
  readonly deadline?: string;
}

/** What the scheduler should do for one schedule at a tick. */
export interface ScheduleEvaluation {
  /**
   * The one run to start now, standing for every occurrence since the last evaluation
   * (missed runs after downtime are coalesced, never replayed as a burst).
   */
  readonly due?: Occurrence & { readonly coalesced: number };
  /** Occurrences since the last evaluation whose window had already closed by `now`. */
  readonly missedOutsideWindow: number;
  /** The next occurrence after `now`. */
  readonly next?: Occurrence;
}

const WEEKDAY_NUMBER: Record<Weekday, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };
/** Longest gap looked back at after downtime; anything older is covered by the coalesced run anyway. */
const MAX_LOOKBACK_DAYS = 800;
/** Guard against a pathological schedule (every minute for years). */
const MAX_OCCURRENCES = 2_000_000;

type TimedSchedule = Extract<JobSchedule, { kind: 'daily' | 'monthly' | 'yearly' | 'periodic' }>;

function isTimed(schedule: JobSchedule): schedule is TimedSchedule {
  return schedule.kind === 'daily' || schedule.kind === 'monthly' || schedule.kind === 'yearly' || schedule.kind === 'periodic';
}

function parseInstant(value: string, what: string): DateTime {
  const parsed = DateTime.fromISO(value, { setZone: true });
  if (!parsed.isValid) throw new HoldfastError('validation_failed', `${what} "${value}" is not an ISO timestamp`);
  return parsed;
}

function clock(hhmm: string): { hour: number; minute: number } {
  const [hour, minute] = hhmm.split(':').map(Number);
  return { hour, minute };
}

/** Checks what zod cannot: the time zone, windows, periods. Throws `validation_failed`. */
export function validateSchedule(schedule: JobSchedule, index = 0): void {
  const fail = (message: string) => {
    throw new HoldfastError('validation_failed', `schedule ${index + 1} (${schedule.kind}): ${message}`, { field: `schedules[${index}]` });
  };
  if (isTimed(schedule) && !IANAZone.isValidZone(schedule.timeZone)) fail(`time zone "${schedule.timeZone}" is not an IANA time zone`);
  if (schedule.kind === 'periodic') {
    if (schedule.from >= schedule.until) fail(`window start ${schedule.from} must be before its end ${schedule.until}`);
    const minutes = schedule.unit === 'hours' ? schedule.every * 60 : schedule.every;
    if (minutes < 5) fail('runs at most every 5 minutes');
    if (minutes > 24 * 60) fail('every must be at most 24 hours (use a daily schedule)');
  }
  if ((schedule.kind === 'daily' || schedule.kind === 'monthly' || schedule.kind === 'yearly') && schedule.endAt === schedule.at) {
    fail('end time must differ from the start time');
  }
  if (schedule.kind === 'yearly' && typeof schedule.day === 'number') {
    const longest = DateTime.utc(2024, schedule.month, 1).daysInMonth!;
    if (schedule.day > longest) fail(`month ${schedule.month} has no day ${schedule.day}`);
  }
}

function atLocal(day: DateTime, hhmm: string): DateTime {
  // luxon moves a wall time inside a spring-forward gap to the first valid instant after it
  return day.set({ ...clock(hhmm), second: 0, millisecond: 0 });
}

/** Start and (for windows ending after midnight) the next day's end. */
function windowed(day: DateTime, at: string, endAt: string | undefined): Occurrence {
  const start = atLocal(day, at);
  if (!endAt) return { dueAt: start.toUTC().toISO()! };
  let end = atLocal(day, endAt);
  if (end <= start) end = atLocal(day.plus({ days: 1 }), endAt);
  return { dueAt: start.toUTC().toISO()!, deadline: end.toUTC().toISO()! };
}

function dayOfMonth(monthStart: DateTime, day: number | 'last'): DateTime {
  const last = monthStart.daysInMonth!;
  return monthStart.set({ day: day === 'last' ? last : Math.min(day, last) });
}

/** Occurrences of a timed schedule on one local calendar day, in time order. */
function* occurrencesOnDay(schedule: TimedSchedule, day: DateTime): Generator<Occurrence> {
  if (schedule.effectiveFrom && day.toISODate()! < schedule.effectiveFrom) return;
  switch (schedule.kind) {
    case 'daily':
      if (schedule.days.some((d) => WEEKDAY_NUMBER[d] === day.weekday)) yield windowed(day, schedule.at, schedule.endAt);
      return;
    case 'monthly': {
      if (schedule.months.length && !schedule.months.includes(day.month)) return;
      if (dayOfMonth(day.startOf('month'), schedule.day).day === day.day) yield windowed(day, schedule.at, schedule.endAt);
      return;
    }
    case 'yearly': {
      if (day.month !== schedule.month) return;
      if (dayOfMonth(day.startOf('month'), schedule.day).day === day.day) yield windowed(day, schedule.at, schedule.endAt);
      return;
    }
    case 'periodic': {
      if (!schedule.days.some((d) => WEEKDAY_NUMBER[d] === day.weekday)) return;
      const step = schedule.unit === 'hours' ? { hours: schedule.every } : { minutes: schedule.every };
      const end = atLocal(day, schedule.until);
      const deadline = end.toUTC().toISO()!;
      for (let t = atLocal(day, schedule.from); t <= end; t = t.plus(step)) yield { dueAt: t.toUTC().toISO()!, deadline };
      return;
    }
    default: {
      const unknown: never = schedule;
      throw new HoldfastError('validation_failed', `unknown schedule ${JSON.stringify(unknown)}`);
    }
  }
}

/** Occurrences with `after < dueAt <= until` (until open-ended when omitted), in time order. */
export function* occurrences(schedule: JobSchedule, after: string, until?: string): Generator<Occurrence> {
  if (!isTimed(schedule)) return;
  const start = parseInstant(after, 'after');
  const end = until ? parseInstant(until, 'until') : undefined;
  const startMillis = start.toMillis();
  // a window may start on the previous local day's evening; begin one day early
  let day = start.setZone(schedule.timeZone).startOf('day').minus({ days: 1 });
  const lastDay = end ? end.setZone(schedule.timeZone).startOf('day').plus({ days: 1 }) : undefined;
  let emptyDays = 0;
  for (; !lastDay || day <= lastDay; day = day.plus({ days: 1 })) {
    let any = false;
    for (const occurrence of occurrencesOnDay(schedule, day)) {
      const millis = Date.parse(occurrence.dueAt);
      if (millis <= startMillis) continue;
      if (end && millis > end.toMillis()) return;
      any = true;
      yield occurrence;
    }
    // an open-ended search stops when nothing can come any more (yearly on Feb 30 is refused earlier)
    emptyDays = any ? 0 : emptyDays + 1;
    if (!lastDay && emptyDays > 3 * 366) return;
  }
}

/** The first occurrence after `after`. */
export function nextOccurrence(schedule: JobSchedule, after: string): Occurrence | undefined {
  for (const occurrence of occurrences(schedule, after)) return occurrence;
  return undefined;
}

/**
 * Evaluates a timed schedule at `now`, given when it was last evaluated (or when the job
 * was created). At most one run is due, whatever the downtime: it stands for the latest
 * occurrence, and keeps that occurrence's deadline. When even the latest window has
 * closed, nothing is due (a run would be stopped at once).
 */
export function evaluateSchedule(schedule: JobSchedule, lastEvaluatedAt: string, now: string): ScheduleEvaluation {
  const nowTime = parseInstant(now, 'now');
  let since = parseInstant(lastEvaluatedAt, 'lastEvaluatedAt');
  if (since > nowTime) since = nowTime;
  const floor = nowTime.minus({ days: MAX_LOOKBACK_DAYS });
  if (since < floor) since = floor;

  let latest: Occurrence | undefined;
  let count = 0;
  for (const occurrence of occurrences(schedule, since.toISO()!, nowTime.toISO()!)) {
    latest = occurrence;
    if (++count >= MAX_OCCURRENCES) break;
  }
  const next = nextOccurrence(schedule, nowTime.toISO()!);
  if (!latest) return { missedOutsideWindow: 0, ...(next ? { next } : {}) };
  if (latest.deadline && Date.parse(latest.deadline) <= nowTime.toMillis()) {
    return { missedOutsideWindow: count, ...(next ? { next } : {}) };
  }
  return { due: { ...latest, coalesced: count }, missedOutsideWindow: 0, ...(next ? { next } : {}) };
}

/**
 * When a job chained after another should run, given how the other job's run ended.
 * A partial run (some objects failed) counts as a failure.
 */
export function chainedRun(
  schedule: JobSchedule,
  finished: { readonly jobId: string; readonly status: RunStatus; readonly completedAt: string },
): Occurrence | undefined {
  if (schedule.kind !== 'after-job' || schedule.jobId !== finished.jobId) return undefined;
  const outcome = finished.status === 'success' ? 'success' : finished.status === 'stopped' ? 'stopped' : 'failure';
  if (!schedule.on.includes(outcome)) return undefined;
  const completed = parseInstant(finished.completedAt, 'completedAt');
  if (schedule.effectiveFrom && completed.toUTC().toISODate()! < schedule.effectiveFrom) return undefined;
  return { dueAt: completed.plus({ minutes: schedule.delayMinutes }).toUTC().toISO()! };
}
