/** Shared helpers of the Exchange routes: mailbox resolution, ids, journal commits. */
import { GraphHttpError } from '../framework/graph-error';
import type { GraphRequest, SimContext } from '../framework/sim-types';
import type { SimUser, TenantState } from '../framework/world';
import { decodeExchangeId } from './exchange-ids';
import { IdMinter } from './exchange-render';
import type { FolderState, MailboxState } from './mailbox-model';
import { MailboxStore, MessageView, parseGenKey } from './mailbox-store';

export interface Resolved {
  user: SimUser;
  mb: MailboxState;
  ids: IdMinter;
}

export const J = {
  folderCreated: 'exchange.folderCreated',
  folderMoved: 'exchange.folderMoved',
  folderDeleted: 'exchange.folderDeleted',
  messageCreated: 'exchange.messageCreated',
  messageUpdated: 'exchange.messageUpdated',
  messageMoved: 'exchange.messageMoved',
  messageDeleted: 'exchange.messageDeleted',
  messagesRewritten: 'exchange.messagesRewritten',
  attachmentAdded: 'exchange.attachmentAdded',
  attachmentDeleted: 'exchange.attachmentDeleted',
  contactFolderCreated: 'exchange.contactFolderCreated',
  contactCreated: 'exchange.contactCreated',
  contactUpdated: 'exchange.contactUpdated',
  contactDeleted: 'exchange.contactDeleted',
  eventCreated: 'exchange.eventCreated',
  eventUpdated: 'exchange.eventUpdated',
  eventDeleted: 'exchange.eventDeleted',
} as const;

export class ExchangeContext {
  constructor(
    readonly ctx: SimContext,
    readonly store: MailboxStore,
  ) {}

  /** The mailbox named by a user id or UPN, as Graph answers when there is none. */
  mailboxOf(tenant: TenantState, idOrUpn: string): { user: SimUser; mb: MailboxState } {
    const user = this.ctx.world.user(tenant, idOrUpn);
    if (!user) throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${idOrUpn}' is invalid.`);
    const mb = this.store.mailbox(tenant, user);
    if (!mb) throw new GraphHttpError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
    return { user, mb };
  }

  resolve(req: GraphRequest): Resolved {
    const { user, mb } = this.mailboxOf(req.tenant, req.params.userId);
    return { user, mb, ids: new IdMinter(user.id, req.prefer.immutableId) };
  }

  resolveIds(userId: string, immutable = false): IdMinter {
    return new IdMinter(userId, immutable);
  }

  /** Throttle scope: per application + mailbox, UPN and id counting as the same mailbox. */
  throttle(req: GraphRequest, uploadBytes?: number) {
    const user = this.ctx.world.user(req.tenant, req.params.userId ?? '');
    return { kind: 'outlook' as const, mailbox: (user?.id ?? req.params.userId ?? '').toLowerCase(), ...(uploadBytes ? { uploadBytes } : {}) };
  }

  folder(mb: MailboxState, idOrName: string): FolderState {
    const byName = this.store.folder(mb, idOrName);
    if (byName && !idOrName.startsWith('AAMk')) return byName;
    const d = decodeExchangeId(idOrName);
    if (!d) throw new GraphHttpError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const f = d.kind === 'folder' && d.userId === mb.userId ? mb.folders.get(d.key) : undefined;
    if (!f) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return f;
  }

  /** Message key from an id (default ids are only valid while the item stays in its folder). */
  messageKey(mb: MailboxState, id: string): string {
    const d = decodeExchangeId(id);
    if (!d) throw new GraphHttpError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    if (d.kind !== 'message' || d.userId !== mb.userId) throw notFoundItem();
    const v = this.store.message(mb, d.key);
    if (!v || (!d.immutable && d.folderKey !== v.folderKey)) throw notFoundItem();
    return d.key;
  }

  message(mb: MailboxState, id: string, folderParam?: string): MessageView {
    const key = this.messageKey(mb, id);
    const v = this.store.message(mb, key)!;
    if (folderParam && this.folder(mb, folderParam).key !== v.folderKey) throw notFoundItem();
    return v;
  }

  isGenerated(key: string): boolean {
    return !!parseGenKey(key);
  }
}

export function notFoundItem(): GraphHttpError {
  return new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}
