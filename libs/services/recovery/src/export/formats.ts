/** vCard 4.0 / iCalendar 2.0 / mboxrd writers from Graph JSON and MIME. */

/** Folds a content line at 75 octets (RFC 5545 3.1 / RFC 6350 3.2), never inside a character. */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line) <= 75) return line;
  const parts: string[] = [];
  let cur = '';
  let bytes = 0;
  let limit = 75;
  for (const ch of line) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > limit) {
      parts.push(cur);
      cur = '';
      bytes = 0;
      limit = 74; // continuation lines start with a space
    }
    cur += ch;
    bytes += b;
  }
  parts.push(cur);
  return parts.join('\r\n ');
}

/** Escapes TEXT values: backslash, comma, semicolon, newline. */
export function escapeText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

const lines = (ls: (string | undefined | false)[]) =>
  ls
    .filter((l): l is string => typeof l === 'string')
    .map(foldLine)
    .join('\r\n') + '\r\n';

type Json = Record<string, unknown>;
const s = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A vCard 4.0 of a Graph contact. */
export function contactToVcard(c: Json): string {
  const given = s(c.givenName) ?? '';
  const sur = s(c.surname) ?? '';
  const fn = s(c.displayName) ?? ([given, sur].filter(Boolean).join(' ') || 'Unnamed');
  const emails = arr(c.emailAddresses).map((e) => s((e as Json)?.address)).filter(Boolean) as string[];
  const addr = (a: unknown, type: string) => {
    const x = a as Json | undefined;
    if (!x || !Object.values(x).some((v) => typeof v === 'string' && v)) return undefined;
    return `ADR;TYPE=${type}:;;${[x.street, x.city, x.state, x.postalCode, x.countryOrRegion].map((v) => escapeText(s(v) ?? '')).join(';')}`;
  };
  return lines([
    'BEGIN:VCARD',
    'VERSION:4.0',
    `FN:${escapeText(fn)}`,
    `N:${escapeText(sur)};${escapeText(given)};${escapeText(s(c.middleName) ?? '')};${escapeText(s(c.title) ?? '')};`,
    ...emails.map((e) => `EMAIL:${escapeText(e)}`),
    ...arr(c.businessPhones).map((p) => (s(p) ? `TEL;TYPE=work:${escapeText(p as string)}` : undefined)),
    ...arr(c.homePhones).map((p) => (s(p) ? `TEL;TYPE=home:${escapeText(p as string)}` : undefined)),
    s(c.mobilePhone) && `TEL;TYPE=cell:${escapeText(c.mobilePhone as string)}`,
    s(c.companyName) && `ORG:${escapeText(c.companyName as string)}${s(c.department) ? `;${escapeText(c.department as string)}` : ''}`,
    s(c.jobTitle) && `TITLE:${escapeText(c.jobTitle as string)}`,
    addr(c.businessAddress, 'work'),
    addr(c.homeAddress, 'home'),
    s(c.birthday) && `BDAY:${(c.birthday as string).slice(0, 10).replace(/-/g, '')}`,
    s(c.personalNotes) && `NOTE:${escapeText(c.personalNotes as string)}`,
    arr(c.categories).length > 0 && `CATEGORIES:${arr(c.categories).map((x) => escapeText(String(x))).join(',')}`,
    s(c.id) && `UID:${escapeText(c.id as string)}`,
    'END:VCARD',
  ]);
}

function icalTime(v: unknown): { value: string; tzid?: string } | undefined {
  const dt = v as { dateTime?: string; timeZone?: string } | undefined;
  if (!dt?.dateTime) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(dt.dateTime);
  if (!m) return undefined;
  const local = `${m[1]}${m[2]}${m[3]}T${m[4]}${m[5]}${m[6]}`;
  const tz = dt.timeZone ?? 'UTC';
  if (/^(utc|gmt|etc\/utc)$/i.test(tz) || /Z$/.test(dt.dateTime)) return { value: `${local}Z` };
  return { value: local, tzid: tz };
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** An iCalendar VCALENDAR with one VEVENT from a Graph event. */
export function eventToIcs(e: Json, now = new Date()): string {
  const start = icalTime(e.start);
  const end = icalTime(e.end);
  const dtLine = (name: string, t: { value: string; tzid?: string } | undefined) =>
    t ? (e.isAllDay === true ? `${name};VALUE=DATE:${t.value.slice(0, 8)}` : `${name}${t.tzid ? `;TZID=${t.tzid.replace(/[";:,]/g, '_')}` : ''}:${t.value}`) : undefined;
  const organizer = (e.organizer as Json | undefined)?.emailAddress as Json | undefined;
  const body = e.body as Json | undefined;
  const description = s(e.bodyPreview) ?? (s(body?.content) ? (body!.content as string).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : undefined);
  return lines([
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Holdfast//Backup export//EN',
    'BEGIN:VEVENT',
    `UID:${escapeText(s(e.iCalUId) ?? s(e.id) ?? 'unknown')}`,
    `DTSTAMP:${stamp(now)}`,
    dtLine('DTSTART', start),
    dtLine('DTEND', end),
    `SUMMARY:${escapeText(s(e.subject) ?? '')}`,
    s((e.location as Json | undefined)?.displayName) && `LOCATION:${escapeText((e.location as Json).displayName as string)}`,
    description && `DESCRIPTION:${escapeText(description)}`,
    s(organizer?.address) && `ORGANIZER${s(organizer?.name) ? `;CN="${(organizer!.name as string).replace(/"/g, "'")}"` : ''}:mailto:${organizer!.address as string}`,
    ...arr(e.attendees).map((a) => {
      const ea = (a as Json)?.emailAddress as Json | undefined;
      if (!s(ea?.address)) return undefined;
      return `ATTENDEE${s(ea?.name) ? `;CN="${(ea!.name as string).replace(/"/g, "'")}"` : ''}:mailto:${ea!.address as string}`;
    }),
    arr(e.categories).length > 0 && `CATEGORIES:${arr(e.categories).map((x) => escapeText(String(x))).join(',')}`,
    e.showAs === 'free' ? 'TRANSP:TRANSPARENT' : 'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ]);
}

/** One mboxrd record: a `From ` line, the message with `>*From ` lines quoted, a blank line. */
export function mboxRecord(mime: Buffer, sender = 'MAILER-DAEMON', date = new Date(0)): Buffer {
  const text = mime.toString('latin1').replace(/\r\n/g, '\n');
  const quoted = text.replace(/^(>*From )/gm, '>$1');
  const asctime = date.toUTCString().replace(/^(\w{3}), (\d{2}) (\w{3}) (\d{4}) ([\d:]{8}) GMT$/, '$1 $3 $2 $5 $4');
  const from = sender.replace(/\s+/g, '') || 'MAILER-DAEMON';
  return Buffer.concat([Buffer.from(`From ${from} ${asctime}\n`, 'latin1'), Buffer.from(quoted.endsWith('\n') ? quoted : `${quoted}\n`, 'latin1'), Buffer.from('\n')]);
}
