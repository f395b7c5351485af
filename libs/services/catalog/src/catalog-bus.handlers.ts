import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CATALOG_RPC, CATALOG_SERVICE, HoldfastError } from '@holdfast/contracts';
import type { MessageBus, RequestContext, Subscription } from '@holdfast/messaging';
import { MESSAGE_BUS, PG_POOL } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { CatalogIndexer } from './catalog-indexer.service';
import { CatalogQueryRepository, type ListItemsQuery, type SearchQuery } from './catalog-query.repository';
import { readContent } from './index-recovery-point.usecase';
import { messageAttachment, previewMessage } from './message-preview';

function tenantOf(ctx: RequestContext): string {
  if (!ctx.tenantId) throw new HoldfastError('validation_failed', 'a tenant id is required');
  return ctx.tenantId;
}

function obj(payload: unknown): Record<string, unknown> {
  return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
}

function str(p: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = p[key];
  if (v === undefined || v === null || v === '') {
    if (required) throw new HoldfastError('validation_failed', `${key} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new HoldfastError('validation_failed', `${key} must be a string`);
  return v;
}

/** Browse, search and preview over request/reply; every call is scoped to the caller's tenant. */
@Injectable()
export class CatalogBusHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];
  private readonly query: CatalogQueryRepository;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(PG_POOL) pool: Pool,
    private readonly indexer: CatalogIndexer,
  ) {
    this.query = new CatalogQueryRepository(pool);
  }

  private async mime(tenantId: string, id: string): Promise<Buffer> {
    const item = await this.query.getItem(tenantId, id);
    if (item.itemType !== 'message' || !item.contentRef) throw new HoldfastError('validation_failed', `catalog item ${id} is not a message`);
    const tenant = await this.indexer.openTenant(tenantId);
    return readContent(tenant, item.contentRef);
  }

  async onApplicationBootstrap(): Promise<void> {
    const on = async (method: string, fn: (p: Record<string, unknown>, tenantId: string) => Promise<unknown>) =>
      this.subscriptions.push(await this.bus.respond(CATALOG_SERVICE, method, async (payload, ctx) => fn(obj(payload), tenantOf(ctx))));
    await on(CATALOG_RPC.mailboxes, async (p, t) => ({ mailboxes: await this.query.listMailboxes(t, str(p, 'organizationId')) }));
    await on(CATALOG_RPC.points, async (p, t) => ({ points: await this.query.listPoints(t, str(p, 'objectId', true)!) }));
    await on(CATALOG_RPC.folders, async (p, t) => {
      const sel = { objectId: str(p, 'objectId', true)!, pointId: str(p, 'pointId'), asOf: str(p, 'asOf') };
      const [point, folders] = await Promise.all([this.query.resolvePoint(t, sel), this.query.folderTree(t, sel)]);
      return { point, folders };
    });
    await on(CATALOG_RPC.items, async (p, t) => this.query.listItems(t, { ...(p as unknown as ListItemsQuery), objectId: str(p, 'objectId', true)!, folderPath: str(p, 'folderPath') ?? '' }));
    await on(CATALOG_RPC.search, async (p, t) => this.query.search(t, p as unknown as SearchQuery));
    await on(CATALOG_RPC.item, async (p, t) => this.query.getItem(t, str(p, 'id', true)!));
    await on(CATALOG_RPC.preview, async (p, t) => previewMessage(await this.mime(t, str(p, 'id', true)!)));
    await on(CATALOG_RPC.attachment, async (p, t) => {
      const index = Number(p.index);
      if (!Number.isInteger(index) || index < 0) throw new HoldfastError('validation_failed', 'index must be a non-negative integer');
      const a = await messageAttachment(await this.mime(t, str(p, 'id', true)!), index);
      return { name: a.name, contentType: a.contentType, contentBase64: a.content.toString('base64') };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close()));
  }
}
