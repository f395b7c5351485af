/** Journal appliers: the only code that changes Exchange state (at commit and at replay). */
import type { World } from '../framework/world';
import { J } from './exchange-context';
import type { AttachmentRecord, EventRecord, StoredContent } from './mailbox-model';
import { MailboxStore } from './mailbox-store';

export function registerExchangeJournal(world: World, store: MailboxStore): void {
  const mb = (tenant: Parameters<Parameters<World['onJournal']>[1]>[0], userId: string) => store.mailboxById(tenant, userId);
  world.onJournal<{ userId: string; key: string; parentKey: string; displayName: string; isHidden?: boolean }>(J.folderCreated, (t, d, e) => store.applyFolderCreated(mb(t, d.userId), d, e.at));
  world.onJournal<{ userId: string; key: string; toParentKey: string }>(J.folderMoved, (t, d) => store.applyFolderMoved(mb(t, d.userId), d));
  world.onJournal<{ userId: string; key: string }>(J.folderDeleted, (t, d) => store.applyFolderDeleted(mb(t, d.userId), d));
  world.onJournal<{ userId: string } & Parameters<MailboxStore['applyMessageCreated']>[1]>(J.messageCreated, (t, d, e) => store.applyMessageCreated(mb(t, d.userId), d, e.at));
  world.onJournal<{ userId: string } & Parameters<MailboxStore['applyMessageUpdated']>[1]>(J.messageUpdated, (t, d, e) => store.applyMessageUpdated(mb(t, d.userId), d, e.at));
  world.onJournal<{ userId: string; key: string; toFolderKey: string; reason?: 'changed' | 'deleted' }>(J.messageMoved, (t, d, e) => store.applyMessageMoved(mb(t, d.userId), d, e.at));
  world.onJournal<{ userId: string; key: string }>(J.messageDeleted, (t, d) => store.applyMessageDeleted(mb(t, d.userId), d));
  world.onJournal<{ userId: string; keys: string[]; prefix: string; bodyBlob: string; bodyPreview: string; note: AttachmentRecord }>(J.messagesRewritten, (t, d, e) => {
    const box = mb(t, d.userId);
    for (const key of d.keys) {
      const v = store.message(box, key);
      if (!v) continue;
      const content: Partial<StoredContent> = { subject: d.prefix + v.subject, bodyBlob: d.bodyBlob, bodyContentType: 'html', bodyPreview: d.bodyPreview };
      store.applyMessageUpdated(box, { key, content }, e.at);
      // the originals' attachments are replaced by the note
      const rec = box.messages.get(key)!;
      rec.added = [{ ...d.note, lastModifiedDateTime: e.at }];
    }
  });
  world.onJournal<{ userId: string; key: string; attachment: AttachmentRecord }>(J.attachmentAdded, (t, d, e) => store.applyAttachmentAdded(mb(t, d.userId), d, e.at));
  world.onJournal<{ userId: string; key: string; attachmentKey: string }>(J.attachmentDeleted, (t, d, e) => store.applyAttachmentDeleted(mb(t, d.userId), d, e.at));
  world.onJournal<{ userId: string; key: string; parentKey: string; displayName: string }>(J.contactFolderCreated, (t, d) => store.applyContactFolderCreated(mb(t, d.userId), d));
  world.onJournal<{ userId: string; key: string; folderKey: string; props: Record<string, unknown> }>(J.contactCreated, (t, d, e) => store.applyContactCreated(mb(t, d.userId), d, e.at));
  world.onJournal<{ userId: string; key: string; props: Record<string, unknown> }>(J.contactUpdated, (t, d, e) => store.applyContactUpdated(mb(t, d.userId), d, e.at));
  world.onJournal<{ userId: string; key: string }>(J.contactDeleted, (t, d) => store.applyContactDeleted(mb(t, d.userId), d));
  world.onJournal<{ userId: string; event: EventRecord; instanceKeys: string[] }>(J.eventCreated, (t, d, e) =>
    store.applyEventCreated(mb(t, d.userId), { ...d, event: { ...d.event, createdDateTime: e.at, lastModifiedDateTime: e.at } }),
  );
  world.onJournal<{ userId: string; key: string; patch: Partial<EventRecord>; instanceKeys: string[] }>(J.eventUpdated, (t, d, e) => store.applyEventUpdated(mb(t, d.userId), d, e.at));
  world.onJournal<{ userId: string; key: string; instanceKeys: string[] }>(J.eventDeleted, (t, d) => store.applyEventDeleted(mb(t, d.userId), d));
}
