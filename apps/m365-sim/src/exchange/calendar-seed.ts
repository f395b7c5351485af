import { PatternedRecurrence } from './recurrence';
import { SeededRandom } from './seeded-random';

/** Seeded calendars and events of a mailbox: single meetings and recurring series with exceptions. */
export interface SeedCalendar {
  readonly key: string;
  readonly name: string;
  readonly isDefaultCalendar: boolean;
  readonly color: string;
  readonly hexColor: string;
}

export interface SeedAttendee {
  readonly name: string;
  readonly address: string;
  readonly type: 'required' | 'optional' | 'resource';
  readonly response: 'none' | 'accepted' | 'declined' | 'tentativelyAccepted' | 'notResponded';
}

export interface SeedEventException {
  /** Date (YYYY-MM-DD) of the occurrence it replaces. */
  readonly originalDate: string;
  readonly start: string;
  readonly end: string;
  readonly subject?: string;
}

export interface SeedEvent {
  readonly key: string;
  readonly calendarKey: string;
  readonly subject: string;
  readonly body: string;
  /** UTC wall-clock, 'YYYY-MM-DDTHH:mm:ss'. */
  readonly start: string;
  readonly end: string;
  readonly isAllDay: boolean;
  readonly location: string;
  readonly attendees: readonly SeedAttendee[];
  readonly isOrganizer: boolean;
  readonly showAs: 'free' | 'busy' | 'tentative' | 'oof';
  readonly recurrence?: PatternedRecurrence;
  readonly exceptions?: readonly SeedEventException[];
  readonly cancelledDates?: readonly string[];
  readonly createdDateTime: string;
}

export function seedCalendars(): SeedCalendar[] {
  return [
    { key: 'calendar', name: 'Calendar', isDefaultCalendar: true, color: 'auto', hexColor: '' },
    { key: 'c1', name: 'Team-Kalender 📅', isDefaultCalendar: false, color: 'lightGreen', hexColor: '#87d28e' },
  ];
}

const ROOMS = ['Raum Zugspitze', 'Salle Mont-Blanc', '会議室 A', 'Teams meeting', 'Café Central', 'Room 4.12'];
const SUBJECTS = ['Kick-off', 'Budgetplanung', 'Revue de projet', 'Customer call', '打ち合わせ', 'Design review', 'Interview', 'Lunch 🍜'];
const PEOPLE = [
  ['Jürgen Müller', 'juergen.mueller'], ['Zoë Ångström', 'zoe.angstrom'], ['山田 太郎', 'taro.yamada'], ['Анна Петрова', 'anna.petrova'],
  ['José García', 'jose.garcia'], ['Chloé Dubois', 'chloe.dubois'],
];

function at(date: string, hh: number, mm = 0): string {
  return `${date}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00`;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(date + 'T00:00:00Z') + days * 86_400_000).toISOString().slice(0, 10);
}

export function seedEvents(seed: string | number, mailbox: string, singles = 12): SeedEvent[] {
  const rnd = new SeededRandom(String(seed), mailbox, 'events');
  const domain = mailbox.slice(mailbox.indexOf('@') + 1);
  const attendees = (n: number): SeedAttendee[] =>
    Array.from({ length: n }, (_, i) => {
      const [name, local] = PEOPLE[(i + rnd.int(0, PEOPLE.length - 1)) % PEOPLE.length];
      return { name, address: `${local}@${domain}`, type: i === 0 ? 'required' : rnd.pick(['required', 'optional'] as const), response: rnd.pick(['none', 'accepted', 'declined', 'tentativelyAccepted'] as const) };
    });
  const created = '2025-12-15T10:00:00Z';
  const events: SeedEvent[] = [
    {
      key: 's1', calendarKey: 'calendar', subject: 'Daily stand-up', body: 'Was habe ich gestern gemacht, was mache ich heute?',
      start: at('2026-01-05', 9), end: at('2026-01-05', 9, 15), isAllDay: false, location: 'Teams meeting', attendees: attendees(3), isOrganizer: true, showAs: 'busy',
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], firstDayOfWeek: 'monday' },
        range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 200, recurrenceTimeZone: 'UTC' },
      },
      exceptions: [{ originalDate: '2026-01-14', start: at('2026-01-14', 10), end: at('2026-01-14', 10, 15), subject: 'Daily stand-up (verschoben)' }],
      cancelledDates: ['2026-01-16'],
      createdDateTime: created,
    },
    {
      key: 's2', calendarKey: 'calendar', subject: 'Revue mensuelle', body: 'Ordre du jour : chiffres du mois, risques, décisions.',
      start: at('2026-01-06', 14), end: at('2026-01-06', 15), isAllDay: false, location: rnd.pick(ROOMS), attendees: attendees(4), isOrganizer: false, showAs: 'busy',
      recurrence: {
        pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['tuesday'], index: 'first', firstDayOfWeek: 'sunday' },
        range: { type: 'endDate', startDate: '2026-01-06', endDate: '2026-12-31', recurrenceTimeZone: 'UTC' },
      },
      exceptions: [{ originalDate: '2026-03-03', start: at('2026-03-04', 14), end: at('2026-03-04', 15) }],
      createdDateTime: created,
    },
    {
      key: 's3', calendarKey: 'c1', subject: '1:1 mit Jürgen', body: 'Fortschritt und Feedback.',
      start: at('2026-01-08', 16), end: at('2026-01-08', 16, 30), isAllDay: false, location: 'Raum Zugspitze', attendees: attendees(1), isOrganizer: true, showAs: 'busy',
      recurrence: {
        pattern: { type: 'weekly', interval: 2, daysOfWeek: ['thursday'], firstDayOfWeek: 'sunday' },
        range: { type: 'noEnd', startDate: '2026-01-08', recurrenceTimeZone: 'UTC' },
      },
      createdDateTime: created,
    },
    {
      key: 's4', calendarKey: 'calendar', subject: 'Geburtstag Zoë 🎂', body: '',
      start: at('2026-02-14', 0), end: at('2026-02-15', 0), isAllDay: true, location: '', attendees: [], isOrganizer: true, showAs: 'free',
      recurrence: {
        pattern: { type: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 14, firstDayOfWeek: 'sunday' },
        range: { type: 'noEnd', startDate: '2026-02-14', recurrenceTimeZone: 'UTC' },
      },
      createdDateTime: created,
    },
  ];
  for (let i = 0; i < singles; i++) {
    const date = addDays('2025-11-03', rnd.int(0, 300));
    const hour = rnd.int(8, 17);
    const minutes = rnd.pick([30, 60, 90]);
    const startMin = hour * 60 + rnd.pick([0, 30]);
    const endMin = startMin + minutes;
    events.push({
      key: `e${i + 1}`, calendarKey: rnd.chance(0.8) ? 'calendar' : 'c1', subject: rnd.pick(SUBJECTS), body: 'Agenda: ' + rnd.pick(SUBJECTS),
      start: at(date, Math.floor(startMin / 60), startMin % 60), end: at(date, Math.floor(endMin / 60), endMin % 60), isAllDay: false,
      location: rnd.pick(ROOMS), attendees: attendees(rnd.int(0, 4)), isOrganizer: rnd.chance(0.5), showAs: rnd.pick(['busy', 'tentative', 'free'] as const), createdDateTime: created,
    });
  }
  return events;
}
