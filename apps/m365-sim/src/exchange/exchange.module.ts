import type { SimContext, SimModule } from '../framework/sim-types';
import type { TenantState } from '../framework/world';
import { registerAttachmentRoutes } from './attachment.routes';
import { registerCalendarRoutes } from './calendar.routes';
import { registerContactRoutes } from './contact.routes';
import { exchangeFor } from './exchange-registry';
import { IdMinter } from './exchange-render';
import { registerExchangeControl } from './exchange.control';
import { registerExchangeJournal } from './exchange.journal';
import { importEmlCommand } from './import-eml.command';
import { registerMailRoutes } from './mail.routes';

/** Exchange Online: mail folders, messages (MIME), attachments, contacts, calendars, delta, restores. */
export const simModule: SimModule = {
  name: 'exchange',
  dependsOn: ['directory'],
  register(ctx: SimContext) {
    const x = exchangeFor(ctx);
    registerExchangeJournal(ctx.world, x.store);
    registerMailRoutes(x);
    registerAttachmentRoutes(x);
    registerContactRoutes(x);
    registerCalendarRoutes(x);
    registerExchangeControl(x);
    registerSamples(ctx);
  },
  cli: { 'import-eml': importEmlCommand },
};

function registerSamples(ctx: SimContext): void {
  const x = exchangeFor(ctx);
  /** The first user with a mailbox, and its ids. */
  const first = (t: TenantState) => {
    for (const u of t.users.values()) {
      const mb = x.store.mailbox(t, u);
      if (mb) return { u, mb, ids: new IdMinter(u.id, false) };
    }
    return undefined;
  };
  const firstMessage = (t: TenantState, pred: (v: NonNullable<ReturnType<typeof x.store.message>>) => boolean = () => true) => {
    const f = first(t);
    if (!f) return undefined;
    for (const folder of [f.mb.folders.get('inbox')!, f.mb.folders.get('sentitems')!]) {
      let n = 0;
      for (const k of x.store.messageKeys(f.mb, folder)) {
        const v = x.store.message(f.mb, k)!;
        if (pred(v)) return { ...f, v };
        if (++n > 300) break;
      }
    }
    return undefined;
  };
  const u = (t: TenantState) => first(t)?.u.id;
  const s = (name: string, entityType: string, collection: boolean, url: (t: TenantState) => string | undefined) =>
    ctx.sample({ name: `exchange.${name}`, entityType: `microsoft.graph.${entityType}`, collection, url });

  s('mailFolders', 'mailFolder', true, (t) => u(t) && `/users/${u(t)}/mailFolders?includeHiddenFolders=true&$top=50`);
  s('mailFolder', 'mailFolder', false, (t) => u(t) && `/users/${u(t)}/mailFolders/inbox`);
  s('mailFolders.delta', 'mailFolder', true, (t) => u(t) && `/users/${u(t)}/mailFolders/delta`);
  s('messages', 'message', true, (t) => u(t) && `/users/${u(t)}/mailFolders/inbox/messages?$top=5`);
  s('messages.delta', 'message', true, (t) => u(t) && `/users/${u(t)}/mailFolders/inbox/messages/delta`);
  s('message', 'message', false, (t) => {
    const m = firstMessage(t);
    return m && `/users/${m.u.id}/messages/${m.ids.message(m.v)}?$select=subject,body,internetMessageHeaders,from`;
  });
  s('attachments', 'attachment', true, (t) => {
    const m = firstMessage(t, (v) => v.hasAttachments && v.attachments().every((a) => a.size < 400_000));
    return m && `/users/${m.u.id}/messages/${m.ids.message(m.v)}/attachments`;
  });
  s('itemAttachment', 'itemAttachment', false, (t) => {
    const m = firstMessage(t, (v) => v.attachments().some((a) => a.type === 'item'));
    const a = m?.v.attachments().find((a) => a.type === 'item');
    return m && a && `/users/${m.u.id}/messages/${m.ids.message(m.v)}/attachments/${m.ids.attachment(m.v.key, a.key)}?$expand=microsoft.graph.itemattachment/item`;
  });
  s('contactFolders', 'contactFolder', true, (t) => u(t) && `/users/${u(t)}/contactFolders`);
  s('contacts', 'contact', true, (t) => u(t) && `/users/${u(t)}/contacts?$top=5`);
  s('contacts.delta', 'contact', true, (t) => u(t) && `/users/${u(t)}/contacts/delta`);
  s('calendars', 'calendar', true, (t) => u(t) && `/users/${u(t)}/calendars`);
  s('events', 'event', true, (t) => u(t) && `/users/${u(t)}/events?$top=10`);
  s('calendarView.delta', 'event', true, (t) => u(t) && `/users/${u(t)}/calendarView/delta?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-02-01T00:00:00Z`);
}
