import type { SimContext } from '../framework/sim-types';
import { ExchangeContext } from './exchange-context';
import { MailboxStore } from './mailbox-store';

/** One ExchangeContext per simulator instance (the CLI finds the one register() made). */
const registry = new WeakMap<SimContext, ExchangeContext>();

export function exchangeFor(ctx: SimContext): ExchangeContext {
  let x = registry.get(ctx);
  if (!x) {
    const s = ctx.options.sizes;
    x = new ExchangeContext(ctx, new MailboxStore(ctx.world, { messagesPerUser: s.messagesPerUser ?? 200, contactsPerUser: s.contactsPerUser ?? 25, eventsPerUser: s.eventsPerUser ?? 12 }));
    registry.set(ctx, x);
  }
  return x;
}
