import { decodeExchangeId, encodeExchangeId } from './exchange-ids';
import { expandEvents, instanceByKey, instanceKeysOf } from './calendar-view';
import type { EventRecord } from './mailbox-model';

describe('exchange ids', () => {
  it('default ids carry the folder (they change on move); immutable ids do not', () => {
    const inInbox = encodeExchangeId('message', 'u1', 'g.inbox.3', 'inbox');
    const inArchive = encodeExchangeId('message', 'u1', 'g.inbox.3', 'archive');
    expect(inInbox).not.toBe(inArchive);
    expect(encodeExchangeId('message', 'u1', 'g.inbox.3', 'inbox', true)).toBe(encodeExchangeId('message', 'u1', 'g.inbox.3', 'archive', true));
    expect(decodeExchangeId(inArchive)).toEqual({ kind: 'message', userId: 'u1', folderKey: 'archive', key: 'g.inbox.3', immutable: false });
    expect(decodeExchangeId(encodeExchangeId('occurrence', 'u1', 's1@2026-01-05', undefined, true))).toMatchObject({ kind: 'occurrence', key: 's1@2026-01-05', immutable: true });
    expect(inInbox).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('rejects ids that are not ours', () => {
    expect(decodeExchangeId('inbox')).toBeUndefined();
    expect(decodeExchangeId('AAMkA!!!')).toBeUndefined();
    expect(decodeExchangeId('AAMkA' + Buffer.from('z|u|f|k').toString('base64url'))).toBeUndefined();
  });
});

describe('calendar view expansion', () => {
  const series: EventRecord = {
    key: 's1', calendarKey: 'calendar', subject: 'Stand-up', bodyHtml: '', start: '2026-01-05T09:00:00', end: '2026-01-05T09:15:00', timeZone: 'UTC', isAllDay: false,
    location: '', attendees: [], organizer: { name: 'A', address: 'a@x' }, isOrganizer: true, showAs: 'busy', importance: 'normal', sensitivity: 'normal',
    recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 5 } },
    exceptions: { '2026-01-07': { start: '2026-01-07T15:00:00', end: '2026-01-07T15:30:00', subject: 'Moved' } }, cancelled: ['2026-01-08'],
    createdDateTime: '', lastModifiedDateTime: '', version: 1, iCalUId: 'x',
  };
  const single: EventRecord = { ...series, key: 'e1', subject: 'One-off', recurrence: undefined, exceptions: {}, cancelled: [], start: '2026-01-06T12:00:00', end: '2026-01-06T13:00:00' };

  it('expands occurrences, applies exceptions and cancellations, and clips to the window', () => {
    const all = expandEvents([series, single], Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-02-01T00:00:00Z'));
    expect(all.map((i) => [i.key, i.type, i.start])).toEqual([
      ['s1@2026-01-05', 'occurrence', '2026-01-05T09:00:00'],
      ['s1@2026-01-06', 'occurrence', '2026-01-06T09:00:00'],
      ['e1', 'singleInstance', '2026-01-06T12:00:00'],
      ['s1@2026-01-07', 'exception', '2026-01-07T15:00:00'],
      ['s1@2026-01-09', 'occurrence', '2026-01-09T09:00:00'],
    ]);
    const clipped = expandEvents([series], Date.parse('2026-01-06T09:10:00Z'), Date.parse('2026-01-07T00:00:00Z'));
    expect(clipped.map((i) => i.key)).toEqual(['s1@2026-01-06']);
  });

  it('finds instances by key and lists the keys a series change touches', () => {
    const events = new Map([[series.key, series], [single.key, single]]);
    expect(instanceByKey(events, 's1@2026-01-07')?.subject).toBe('Moved');
    expect(instanceByKey(events, 's1@2026-01-08')).toBeUndefined();
    expect(instanceByKey(events, 's1@2026-01-10')).toBeUndefined();
    expect(instanceByKey(events, 'e1')?.type).toBe('singleInstance');
    expect(instanceKeysOf(series)).toEqual(['s1@2026-01-05', 's1@2026-01-06', 's1@2026-01-07', 's1@2026-01-08', 's1@2026-01-09']);
  });
});
