import { contactToVcard, eventToIcs, foldLine, mboxRecord } from './formats';

describe('export formats', () => {
  it('folds long lines at 75 octets without splitting characters', () => {
    const line = `SUMMARY:${'é'.repeat(100)}`;
    const folded = foldLine(line);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(folded.split('\r\n').map((l, i) => (i ? l.slice(1) : l)).join('')).toBe(line);
  });

  it('writes a vCard with escaped values', () => {
    const v = contactToVcard({ id: 'c1', displayName: 'Gina; Garcia, PhD', givenName: 'Gina', surname: 'Garcia', emailAddresses: [{ address: 'gina@tailspin.com' }], mobilePhone: '+1 555', personalNotes: 'line1\nline2' });
    expect(v.startsWith('BEGIN:VCARD\r\nVERSION:4.0\r\n')).toBe(true);
    expect(v).toContain('FN:Gina\\; Garcia\\, PhD\r\n');
    expect(v).toContain('N:Garcia;Gina;;;\r\n');
    expect(v).toContain('EMAIL:gina@tailspin.com\r\n');
    expect(v).toContain('TEL;TYPE=cell:+1 555\r\n');
    expect(v).toContain('NOTE:line1\\nline2\r\n');
    expect(v.endsWith('END:VCARD\r\n')).toBe(true);
  });

  it('writes an iCalendar event in UTC or with its time zone', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const utc = eventToIcs({ id: 'e1', iCalUId: 'u1', subject: 'Board, Q2', start: { dateTime: '2025-05-01T09:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2025-05-01T10:00:00.0000000', timeZone: 'UTC' }, organizer: { emailAddress: { address: 'ceo@contoso.com' } } }, now);
    expect(utc).toContain('DTSTART:20250501T090000Z\r\n');
    expect(utc).toContain('DTEND:20250501T100000Z\r\n');
    expect(utc).toContain('SUMMARY:Board\\, Q2\r\n');
    expect(utc).toContain('UID:u1\r\n');
    expect(utc).toContain('DTSTAMP:20260101T000000Z\r\n');
    expect(utc).toContain('ORGANIZER:mailto:ceo@contoso.com\r\n');
    const zoned = eventToIcs({ id: 'e2', start: { dateTime: '2025-05-01T09:00:00', timeZone: 'Pacific Standard Time' } }, now);
    expect(zoned).toContain('DTSTART;TZID=Pacific Standard Time:20250501T090000\r\n');
  });

  it('quotes From lines in mboxrd records', () => {
    const rec = mboxRecord(Buffer.from('Subject: x\r\n\r\nFrom here\r\n>From there\r\n'), 'a@b.c', new Date('2025-03-04T10:00:00Z')).toString('latin1');
    expect(rec).toBe('From a@b.c Tue Mar 04 10:00:00 2025\nSubject: x\n\n>From here\n>>From there\n\n');
  });
});
