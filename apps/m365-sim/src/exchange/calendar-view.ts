import type { EventRecord } from './mailbox-model';
import { formatDate, occurrenceDates } from './recurrence';

/** One entry of a calendar view: a single event, an occurrence or an exception of a series. */
export interface EventInstance {
  /** 'e3' for single events, 's1@2026-01-12' for instances of series 's1'. */
  key: string;
  event: EventRecord;
  type: 'singleInstance' | 'occurrence' | 'exception';
  start: string;
  end: string;
  subject: string;
  /** Date of the occurrence this instance stands for (series only). */
  originalDate?: string;
}

const DAY = 86_400_000;

function ms(wallClockUtc: string): number {
  return Date.parse(wallClockUtc.endsWith('Z') ? wallClockUtc : wallClockUtc + 'Z');
}

function wall(t: number): string {
  return new Date(t).toISOString().slice(0, 19);
}

/** The instance of a series on a date (occurrence, exception) or undefined when cancelled/none. */
export function seriesInstance(e: EventRecord, date: string): EventInstance | undefined {
  if (!e.recurrence || e.cancelled.includes(date)) return undefined;
  const x = e.exceptions[date];
  if (x) return { key: `${e.key}@${date}`, event: e, type: 'exception', start: x.start, end: x.end, subject: x.subject ?? e.subject, originalDate: date };
  if (!occurrenceDates(e.recurrence, date, date).length) return undefined;
  const duration = ms(e.end) - ms(e.start);
  const start = ms(`${date}T${e.start.slice(11, 19)}`);
  return { key: `${e.key}@${date}`, event: e, type: 'occurrence', start: wall(start), end: wall(start + duration), subject: e.subject, originalDate: date };
}

/** Instance by key (for delta get), independent of any window. */
export function instanceByKey(events: ReadonlyMap<string, EventRecord>, key: string): EventInstance | undefined {
  const at = key.indexOf('@');
  const e = events.get(at < 0 ? key : key.slice(0, at));
  if (!e || e.deleted) return undefined;
  if (at < 0) return e.recurrence ? undefined : { key, event: e, type: 'singleInstance', start: e.start, end: e.end, subject: e.subject };
  return seriesInstance(e, key.slice(at + 1));
}

export function overlaps(i: { start: string; end: string }, from: number, to: number): boolean {
  const s = ms(i.start);
  const e = Math.max(ms(i.end), s + 1);
  return s < to && e > from;
}

/** All instances overlapping [from, to) (epoch ms), single events and expanded series. */
export function expandEvents(events: Iterable<EventRecord>, from: number, to: number, calendarKey?: string): EventInstance[] {
  const out: EventInstance[] = [];
  for (const e of events) {
    if (e.deleted || (calendarKey && e.calendarKey !== calendarKey)) continue;
    if (!e.recurrence) {
      const i: EventInstance = { key: e.key, event: e, type: 'singleInstance', start: e.start, end: e.end, subject: e.subject };
      if (overlaps(i, from, to)) out.push(i);
      continue;
    }
    const duration = ms(e.end) - ms(e.start);
    // occurrences starting up to one duration (and exceptions up to a week) before the window can still overlap it
    const dates = occurrenceDates(e.recurrence, formatDate(from - duration - 7 * DAY), formatDate(to + 7 * DAY));
    for (const d of dates) {
      const i = seriesInstance(e, d);
      if (i && overlaps(i, from, to)) out.push(i);
    }
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.key < b.key ? -1 : 1));
}

/** Keys of instances of an event within a few years around now-ish (what a change touches). */
export function instanceKeysOf(e: EventRecord): string[] {
  if (!e.recurrence) return [e.key];
  return occurrenceDates(e.recurrence, '2024-01-01', '2028-12-31').map((d) => `${e.key}@${d}`);
}
