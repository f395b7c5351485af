import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HoldfastError, INVENTORY_RPC, INVENTORY_RPC_SYNC_TIMEOUT_MS, INVENTORY_SERVICE } from '@holdfast/contracts';
import type { MessageBus, RequestContext, Subscription } from '@holdfast/messaging';
import { MESSAGE_BUS } from '@holdfast/service-kit';
import { z } from 'zod';
import { INVENTORY_RUNTIME, type InventoryRuntime } from '../inventory-runtime';
import { listInventory } from '../projections/inventory.query';

/** The inventory service's request/reply methods: `<ns>.rpc.inventory.<method>`. */
export const INVENTORY_METHODS = INVENTORY_RPC;

/** A sync of a large tenant reads every user and site: give it time. */
export const INVENTORY_SYNC_TIMEOUT_MS = INVENTORY_RPC_SYNC_TIMEOUT_MS;

const syncRequest = z.object({ tenantId: z.string().min(1).default('default'), organizationId: z.uuid('expected an organization id (UUID)') });

function withTenant(payload: unknown, ctx: RequestContext): Record<string, unknown> {
  const p = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  return ctx.tenantId ? { ...p, tenantId: ctx.tenantId } : p;
}

@Injectable()
export class InventoryBusHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(INVENTORY_RUNTIME) private readonly rt: InventoryRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.rt.start();
    this.subscriptions.push(
      await this.bus.respond(INVENTORY_SERVICE, INVENTORY_METHODS.sync, async (payload, ctx) => {
        const parsed = syncRequest.safeParse(withTenant(payload, ctx));
        if (!parsed.success) throw new HoldfastError('validation_failed', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const summary = await this.rt.sync.sync(parsed.data.tenantId, parsed.data.organizationId);
        await this.rt.runner.catchUp(); // the read model shows this sync when the answer arrives
        return summary;
      }),
      await this.bus.respond(INVENTORY_SERVICE, INVENTORY_METHODS.list, async (payload, ctx) => listInventory(this.rt.pool, withTenant(payload, ctx))),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    while (this.subscriptions.length) await this.subscriptions.pop()!.close().catch(() => undefined);
    await this.rt.stop();
  }
}
