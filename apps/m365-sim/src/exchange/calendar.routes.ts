/** Calendars, events, instances, calendarView and calendarView/delta; event writes. */
import { GraphHttpError } from '../framework/graph-error';
import type { GraphRequest, GraphResponse } from '../framework/sim-types';
import { EventInstance, expandEvents, instanceByKey, instanceKeysOf, overlaps } from './calendar-view';
import { ExchangeContext, J, notFoundItem } from './exchange-context';
import { decodeExchangeId } from './exchange-ids';
import { renderCalendar, renderEvent } from './exchange-render';
import type { CalendarState, EventRecord, MailboxState } from './mailbox-model';
import type { PatternedRecurrence } from './recurrence';
import { hash32 } from './seeded-random';

const READ = ['Calendars.Read', 'Calendars.ReadWrite'] as const;
const WRITE = ['Calendars.ReadWrite'] as const;
const PATTERNS = ['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'];
const RANGES = ['endDate', 'noEnd', 'numbered'];

function window(req: GraphRequest): { from: number; to: number; start: string; end: string } {
  const start = req.query.startDateTime ?? req.query.startdatetime;
  const end = req.query.endDateTime ?? req.query.enddatetime;
  const from = Date.parse(start ?? '');
  const to = Date.parse(end ?? '');
  if (!start || !end || Number.isNaN(from) || Number.isNaN(to)) {
    throw new GraphHttpError(400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
  }
  return { from, to, start, end };
}

function wallClock(v: unknown, what: string): string {
  const dt = v && typeof v === 'object' ? (v as { dateTime?: string }).dateTime : undefined;
  if (!dt || Number.isNaN(Date.parse(dt.endsWith('Z') ? dt : dt + 'Z'))) throw new GraphHttpError(400, 'ErrorInvalidRequest', `The property '${what}' is required and must be a dateTimeTimeZone.`);
  return dt.replace(/Z$/, '').slice(0, 19);
}

function recurrenceOf(v: unknown): PatternedRecurrence | undefined {
  if (v === undefined || v === null) return undefined;
  const r = v as PatternedRecurrence;
  if (!r.pattern || !PATTERNS.includes(r.pattern.type) || !r.range || !RANGES.includes(r.range.type) || !r.range.startDate) {
    throw new GraphHttpError(400, 'ErrorInvalidRecurrence', 'The recurrence pattern or range is invalid.');
  }
  return { pattern: { ...r.pattern, interval: r.pattern.interval ?? 1 }, range: { ...r.range, recurrenceTimeZone: r.range.recurrenceTimeZone ?? 'UTC' } };
}

export function eventFromJson(x: ExchangeContext, mb: MailboxState, calendarKey: string, body: Record<string, any>, key: string): EventRecord {
  const content = String(body.body?.content ?? '');
  const html = String(body.body?.contentType ?? 'text').toLowerCase() === 'html' ? content : `<html><body><p>${content.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p></body></html>`;
  const attendees = Array.isArray(body.attendees)
    ? body.attendees.map((a: any) => ({ type: a.type ?? 'required', emailAddress: { name: a.emailAddress?.name ?? a.emailAddress?.address ?? '', address: a.emailAddress?.address ?? '' }, status: { response: 'none', time: '0001-01-01T00:00:00Z' } }))
    : [];
  return {
    key,
    calendarKey,
    subject: String(body.subject ?? ''),
    bodyHtml: html,
    start: wallClock(body.start, 'Start'),
    end: wallClock(body.end, 'End'),
    timeZone: 'UTC',
    isAllDay: !!body.isAllDay,
    location: String(body.location?.displayName ?? ''),
    attendees,
    organizer: body.organizer?.emailAddress ? { name: body.organizer.emailAddress.name ?? '', address: body.organizer.emailAddress.address ?? '' } : { name: mb.displayName, address: mb.address },
    isOrganizer: !body.organizer?.emailAddress || String(body.organizer.emailAddress.address).toLowerCase() === mb.address,
    showAs: body.showAs ?? 'busy',
    importance: body.importance ?? 'normal',
    sensitivity: body.sensitivity ?? 'normal',
    recurrence: recurrenceOf(body.recurrence),
    exceptions: {},
    cancelled: [],
    createdDateTime: '',
    lastModifiedDateTime: '',
    version: 1,
    iCalUId: typeof body.iCalUId === 'string' ? body.iCalUId : '040000008200E00074C5B7101A82E008' + hash32(mb.userId, key).toString(16).toUpperCase().padStart(8, '0') + '0000000000000000',
  };
}

export function registerCalendarRoutes(x: ExchangeContext): void {
  const { ctx } = x;
  const throttle = (req: GraphRequest) => x.throttle(req);
  const ctxUrl = (req: GraphRequest, what: string) => `${req.baseUrl}/$metadata#users('${encodeURIComponent(req.params.userId)}')/${what}`;

  const calendarOf = (mb: MailboxState, id: string | undefined): CalendarState => {
    if (!id) return [...mb.calendars.values()].find((c) => c.isDefaultCalendar)!;
    const d = decodeExchangeId(id);
    if (!d) throw new GraphHttpError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const c = d.kind === 'calendar' && d.userId === mb.userId ? mb.calendars.get(d.key) : undefined;
    if (!c) throw notFoundItem();
    return c;
  };
  /** An event or instance by id. */
  const eventOf = (mb: MailboxState, id: string): { e: EventRecord; instance?: EventInstance } => {
    const d = decodeExchangeId(id);
    if (!d) throw new GraphHttpError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    if (d.userId !== mb.userId) throw notFoundItem();
    if (d.kind === 'event') {
      const e = mb.events.get(d.key);
      if (!e || e.deleted) throw notFoundItem();
      return { e };
    }
    if (d.kind === 'occurrence') {
      const i = instanceByKey(mb.events, d.key);
      if (!i) throw notFoundItem();
      return { e: i.event, instance: i };
    }
    throw notFoundItem();
  };

  ctx.route({
    name: 'exchange.calendars.list',
    method: 'GET',
    path: '/users/:userId/calendars',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      ctx.odata.page(req, res, [...mb.calendars.values()], { defaultPageSize: 10, maxPageSize: 1000, render: (c) => renderCalendar(c, mb, ids), context: ctxUrl(req, 'calendars') });
    },
  });
  ctx.route({
    name: 'exchange.calendars.getDefault',
    method: 'GET',
    path: '/users/:userId/calendar',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      res.json({ '@odata.context': ctxUrl(req, 'calendar/$entity'), ...renderCalendar(calendarOf(mb, undefined), mb, ids) });
    },
  });

  // calendarView delta: instances in the window; no $select / $filter (Graph refuses them)
  ctx.route({
    name: 'exchange.calendarView.delta',
    method: 'GET',
    path: '/users/:userId/calendarView/delta',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      if (req.odata.select || req.odata.filter) throw new GraphHttpError(400, 'ErrorInvalidUrlQuery', 'The following parameters are not supported with change tracking over the \'CalendarView\' resource: \'$orderby, $search, $select, $expand, $filter\'.');
      const w = window(req);
      if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
      ctx.delta.respond<EventInstance>(req, res, {
        module: 'exchange',
        collection: `calendarview:${mb.userId}:${w.from}:${w.to}${ids.immutable ? ':immutable' : ''}`,
        log: mb.calendarLog,
        all: () => expandEvents(mb.events.values(), w.from, w.to),
        get: (key) => instanceByKey(mb.events, key),
        id: (i) => ids.event(i.key),
        inScope: (i) => overlaps(i, w.from, w.to),
        render: (i) => renderEvent(i.event, ids, i),
        renderRemoved: (key, reason) => ({ id: ids.event(key), '@removed': { reason } }),
        defaultPageSize: 10,
        maxPageSize: 1000,
        bind: { startDateTime: w.start, endDateTime: w.end },
        context: ctxUrl(req, 'calendarView/$delta'),
      });
    },
  });

  const view = (req: GraphRequest, res: GraphResponse, calendarId: string | undefined) => {
    const { mb, ids } = x.resolve(req);
    const w = window(req);
    const cal = calendarId ? calendarOf(mb, calendarId) : undefined;
    ctx.odata.page(req, res, expandEvents(mb.events.values(), w.from, w.to, cal?.key), { defaultPageSize: 10, maxPageSize: 1000, render: (i) => renderEvent(i.event, ids, i), context: ctxUrl(req, 'calendarView') });
  };
  ctx.route({ name: 'exchange.calendarView.list', method: 'GET', path: '/users/:userId/calendarView', roles: READ, service: 'outlook', throttle, handler: (req, res) => view(req, res, undefined) });
  ctx.route({ name: 'exchange.calendarView.listCalendar', method: 'GET', path: '/users/:userId/calendars/:calendarId/calendarView', roles: READ, service: 'outlook', throttle, handler: (req, res) => view(req, res, req.params.calendarId) });

  const listEvents = (req: GraphRequest, res: GraphResponse, calendarId: string | undefined) => {
    const { mb, ids } = x.resolve(req);
    const cal = calendarId ? calendarOf(mb, calendarId) : undefined;
    const items = [...mb.events.values()].filter((e) => !e.deleted && (!cal || e.calendarKey === cal.key));
    if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
    ctx.odata.page(req, res, items, { defaultPageSize: 10, maxPageSize: 1000, render: (e) => renderEvent(e, ids), context: ctxUrl(req, 'events') });
  };
  const createEvent = async (req: GraphRequest, res: GraphResponse, calendarId: string | undefined) => {
    const { mb, ids } = x.resolve(req);
    const cal = calendarOf(mb, calendarId);
    const key = `n.${ctx.world.newId()}`;
    const event = eventFromJson(x, mb, cal.key, await req.json(), key);
    ctx.world.commit(J.eventCreated, req.tenant, { userId: mb.userId, event, instanceKeys: instanceKeysOf(event) });
    res.json({ '@odata.context': ctxUrl(req, 'events/$entity'), ...renderEvent(mb.events.get(key)!, ids) }, 201);
  };
  const defaultId = (req: GraphRequest) => {
    const { mb, ids } = x.resolve(req);
    return ids.calendar(calendarOf(mb, undefined).key);
  };
  ctx.route({ name: 'exchange.events.listDefault', method: 'GET', path: '/users/:userId/calendar/events', roles: READ, service: 'outlook', throttle, handler: (req, res) => listEvents(req, res, defaultId(req)) });
  ctx.route({ name: 'exchange.events.createDefault', method: 'POST', path: '/users/:userId/calendar/events', roles: WRITE, service: 'outlook', throttle, handler: (req, res) => createEvent(req, res, defaultId(req)) });
  ctx.route({ name: 'exchange.calendarView.listDefault', method: 'GET', path: '/users/:userId/calendar/calendarView', roles: READ, service: 'outlook', throttle, handler: (req, res) => view(req, res, defaultId(req)) });
  ctx.route({ name: 'exchange.events.list', method: 'GET', path: '/users/:userId/events', roles: READ, service: 'outlook', throttle, handler: (req, res) => listEvents(req, res, undefined) });
  ctx.route({ name: 'exchange.events.listCalendar', method: 'GET', path: '/users/:userId/calendars/:calendarId/events', roles: READ, service: 'outlook', throttle, handler: (req, res) => listEvents(req, res, req.params.calendarId) });
  ctx.route({ name: 'exchange.events.create', method: 'POST', path: '/users/:userId/events', roles: WRITE, service: 'outlook', throttle, handler: (req, res) => createEvent(req, res, undefined) });
  ctx.route({ name: 'exchange.events.createCalendar', method: 'POST', path: '/users/:userId/calendars/:calendarId/events', roles: WRITE, service: 'outlook', throttle, handler: (req, res) => createEvent(req, res, req.params.calendarId) });
  ctx.route({
    name: 'exchange.calendars.get',
    method: 'GET',
    path: '/users/:userId/calendars/:calendarId',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      res.json({ '@odata.context': ctxUrl(req, 'calendars/$entity'), ...renderCalendar(calendarOf(mb, req.params.calendarId), mb, ids) });
    },
  });
  ctx.route({
    name: 'exchange.events.instances',
    method: 'GET',
    path: '/users/:userId/events/:eventId/instances',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      const w = window(req);
      const { e } = eventOf(mb, req.params.eventId);
      ctx.odata.page(req, res, expandEvents([e], w.from, w.to), { defaultPageSize: 10, maxPageSize: 1000, render: (i) => renderEvent(i.event, ids, i) });
    },
  });

  const eventPath = /^\/users\/(?<userId>[^/]+)(?<calendarPart>(?:\/calendars\/[^/]+)?)\/events\/(?<eventId>[^/]+)$/i;
  ctx.route({
    name: 'exchange.events.get',
    method: 'GET',
    path: eventPath,
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      const { e, instance } = eventOf(mb, req.params.eventId);
      res.json({ '@odata.context': ctxUrl(req, 'events/$entity'), ...ctx.odata.applySelect(renderEvent(e, ids, instance), req.odata.select) });
    },
  });
  ctx.route({
    name: 'exchange.events.update',
    method: 'PATCH',
    path: eventPath,
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: async (req, res) => {
      const { mb, ids } = x.resolve(req);
      const { e, instance } = eventOf(mb, req.params.eventId);
      const body = await req.json<Record<string, any>>();
      if (instance?.originalDate) {
        // editing one occurrence makes it an exception of the series
        const cur = e.exceptions[instance.originalDate] ?? { start: instance.start, end: instance.end };
        const next = { start: body.start ? wallClock(body.start, 'Start') : cur.start, end: body.end ? wallClock(body.end, 'End') : cur.end, subject: typeof body.subject === 'string' ? body.subject : instance.subject };
        ctx.world.commit(J.eventUpdated, req.tenant, { userId: mb.userId, key: e.key, patch: { exceptions: { ...e.exceptions, [instance.originalDate]: next } }, instanceKeys: [instance.key] });
        res.json(renderEvent(mb.events.get(e.key)!, ids, instanceByKey(mb.events, instance.key)));
        return;
      }
      const patch: Partial<EventRecord> = {};
      if (typeof body.subject === 'string') patch.subject = body.subject;
      if (body.start) patch.start = wallClock(body.start, 'Start');
      if (body.end) patch.end = wallClock(body.end, 'End');
      if (body.location) patch.location = String(body.location.displayName ?? '');
      if (body.showAs) patch.showAs = body.showAs;
      if (body.importance) patch.importance = body.importance;
      if (body.body) patch.bodyHtml = String(body.body.content ?? '');
      if (body.recurrence !== undefined) patch.recurrence = recurrenceOf(body.recurrence);
      const before = instanceKeysOf(e);
      const after = instanceKeysOf({ ...e, ...patch });
      ctx.world.commit(J.eventUpdated, req.tenant, { userId: mb.userId, key: e.key, patch, instanceKeys: [...new Set([...before, ...after])] });
      res.json({ '@odata.context': ctxUrl(req, 'events/$entity'), ...renderEvent(mb.events.get(e.key)!, ids) });
    },
  });
  ctx.route({
    name: 'exchange.events.delete',
    method: 'DELETE',
    path: eventPath,
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb } = x.resolve(req);
      const { e, instance } = eventOf(mb, req.params.eventId);
      if (instance?.originalDate) {
        // deleting one occurrence cancels it
        ctx.world.commit(J.eventUpdated, req.tenant, { userId: mb.userId, key: e.key, patch: { cancelled: [...e.cancelled, instance.originalDate] }, instanceKeys: [instance.key] });
      } else ctx.world.commit(J.eventDeleted, req.tenant, { userId: mb.userId, key: e.key, instanceKeys: instanceKeysOf(e) });
      res.empty(204);
    },
  });
}
