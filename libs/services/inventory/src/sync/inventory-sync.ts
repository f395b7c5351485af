import { randomUUID } from 'node:crypto';
import {
  HoldfastError,
  InventoryObjectsChanged,
  InventoryObjectsDiscovered,
  InventoryObjectsRemoved,
  InventorySyncCompleted,
  InventorySyncFailed,
  type DomainEvent,
  type InventoryObject,
  type InventoryObjectKind,
  type InventorySyncSummary,
  type OrganizationConnection,
  AUTH_RPC,
  AUTH_RPC_SLOW_TIMEOUT_MS,
  AUTH_SERVICE,
} from '@holdfast/contracts';
import type { PostgresEventStore } from '@holdfast/event-store';
import { brokerTokenProvider, GraphClient, type Pacer } from '@holdfast/graph';
import type { MessageBus } from '@holdfast/messaging';
import type { Pool } from 'pg';
import { discoverOrganization } from '../discovery/graph-discovery';
import { chunks, diffInventory, fingerprint, totalsByKind, type KnownObject } from './inventory-diff';

/** What one sync found (the contract's InventorySyncSummary). */
export type SyncSummary = InventorySyncSummary;

export interface InventorySyncDeps {
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  readonly bus: MessageBus;
  readonly ca?: string;
  readonly pacer?: Pacer;
  readonly resyncHours: number;
  readonly now?: () => Date;
}

const AUTH_TIMEOUT_MS = AUTH_RPC_SLOW_TIMEOUT_MS;

/**
 * Discovers an organization's objects and records what changed since the last sync as
 * events (ids, names, counts), in one transaction with the sync's own state. Tokens come
 * from the auth service's broker; this service never holds a credential.
 */
export class InventorySync {
  private readonly running = new Map<string, Promise<SyncSummary>>();
  private readonly now: () => Date;

  constructor(private readonly deps: InventorySyncDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Syncs one organization; a sync already running for it is joined, not doubled. */
  sync(tenantId: string, organizationId: string): Promise<SyncSummary> {
    const key = `${tenantId}:${organizationId}`;
    let p = this.running.get(key);
    if (!p) {
      p = this.run(tenantId, organizationId).finally(() => this.running.delete(key));
      this.running.set(key, p);
    }
    return p;
  }

  private async run(tenantId: string, organizationId: string): Promise<SyncSummary> {
    const syncId = randomUUID();
    const startedAt = this.now().toISOString();
    const streamId = `inventory-${organizationId}`;
    let found: InventoryObject[];
    try {
      const conn = await this.deps.bus.request<OrganizationConnection>(AUTH_SERVICE, AUTH_RPC.connection, { tenantId, organizationId }, { tenantId, timeoutMs: AUTH_TIMEOUT_MS });
      const graph = new GraphClient({
        tenantId: conn.m365TenantId,
        cloud: { graphBaseUrl: conn.graphBaseUrl },
        apps: conn.applications.map((appId) => ({
          appId,
          tokenProvider: brokerTokenProvider(
            async (r) =>
              this.deps.bus.request(AUTH_SERVICE, AUTH_RPC.token, { tenantId, organizationId, appId: r.appId, forceRefresh: r.forceRefresh }, { tenantId, timeoutMs: AUTH_TIMEOUT_MS }),
            { tenantId: conn.m365TenantId, appId, scope: '' },
          ),
        })),
        ca: this.deps.ca,
        pacer: this.deps.pacer,
      });
      found = await discoverOrganization(graph, conn.services);
    } catch (e) {
      const err = e instanceof HoldfastError ? e : new HoldfastError('internal', 'inventory discovery failed unexpectedly');
      if (err.code !== 'not_found') {
        await this.deps.store.appendToStream(
          tenantId,
          streamId,
          [InventorySyncFailed.create({ organizationId, syncId, code: err.code, reason: err.message.slice(0, 1000), failedAt: this.now().toISOString() })],
          { expectedVersion: 'any' },
        );
        await this.schedule(organizationId, 'failed');
      }
      throw err;
    }

    return this.deps.store.withTransaction(async (tx) => {
      // one sync of an organization commits at a time
      await tx.client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`inventory:${organizationId}`]);
      const known = (
        await tx.client.query<{ kind: InventoryObjectKind; object_id: string; name: string; fingerprint: string }>(
          'SELECT kind, object_id, name, fingerprint FROM inventory.known_objects WHERE organization_id = $1',
          [organizationId],
        )
      ).rows.map<KnownObject>((r) => ({ kind: r.kind, objectId: r.object_id, name: r.name, fingerprint: r.fingerprint }));
      const diff = diffInventory(known, found);
      const upserts = [...diff.added, ...diff.changed];
      for (const part of chunks(upserts, 1000)) {
        await tx.client.query(
          `INSERT INTO inventory.known_objects (organization_id, tenant_id, kind, object_id, name, fingerprint)
           SELECT $1, $2, r.kind, r.object_id, r.name, r.fp FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS r(kind, object_id, name, fp)
           ON CONFLICT (organization_id, kind, object_id) DO UPDATE SET name = EXCLUDED.name, fingerprint = EXCLUDED.fingerprint`,
          [organizationId, tenantId, part.map((o) => o.kind), part.map((o) => o.objectId), part.map((o) => o.name), part.map(fingerprint)],
        );
      }
      for (const part of chunks(diff.removed, 1000)) {
        await tx.client.query(
          `DELETE FROM inventory.known_objects k USING unnest($2::text[], $3::text[]) AS r(kind, object_id)
            WHERE k.organization_id = $1 AND k.kind = r.kind AND k.object_id = r.object_id`,
          [organizationId, part.map((o) => o.kind), part.map((o) => o.objectId)],
        );
      }
      const totals = totalsByKind(diffTotals(known, diff));
      const events: DomainEvent[] = [
        ...chunks(diff.added).map((objects) => InventoryObjectsDiscovered.create({ organizationId, syncId, objects })),
        ...chunks(diff.changed).map((objects) => InventoryObjectsChanged.create({ organizationId, syncId, objects })),
        ...chunks(diff.removed).map((objects) => InventoryObjectsRemoved.create({ organizationId, syncId, objects })),
        InventorySyncCompleted.create({
          organizationId,
          syncId,
          totals,
          added: diff.added.length,
          changed: diff.changed.length,
          removed: diff.removed.length,
          startedAt,
          completedAt: this.now().toISOString(),
        }),
      ];
      await this.schedule(organizationId, 'completed', tx.client);
      await tx.appendToStream(tenantId, streamId, events, { expectedVersion: 'any' });
      return { organizationId, syncId, totals, added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length };
    });
  }

  private async schedule(organizationId: string, status: string, db: Pick<Pool, 'query'> = this.deps.pool): Promise<void> {
    await db.query(
      `INSERT INTO inventory.sync_schedule (organization_id, next_sync_at, last_sync_at, last_status) VALUES ($1, $2, $3, $4)
       ON CONFLICT (organization_id) DO UPDATE SET next_sync_at = EXCLUDED.next_sync_at, last_sync_at = EXCLUDED.last_sync_at, last_status = EXCLUDED.last_status`,
      [organizationId, new Date(this.now().getTime() + this.deps.resyncHours * 3_600_000), this.now(), status],
    );
  }

  /** Organizations due for a re-sync (connected, not removed). */
  async due(limit = 10): Promise<{ tenantId: string; organizationId: string }[]> {
    const r = await this.deps.pool.query<{ tenant_id: string; organization_id: string }>(
      `SELECT o.tenant_id, o.organization_id FROM inventory.sync_schedule s JOIN inventory.organizations o USING (organization_id)
        WHERE NOT o.removed AND s.next_sync_at <= $1 ORDER BY s.next_sync_at LIMIT $2`,
      [this.now(), limit],
    );
    return r.rows.map((row) => ({ tenantId: row.tenant_id, organizationId: row.organization_id }));
  }
}

/** Objects known after applying the diff. */
function diffTotals(known: readonly KnownObject[], diff: ReturnType<typeof diffInventory>): { kind: InventoryObjectKind }[] {
  const removed = new Set(diff.removed.map((r) => `${r.kind}:${r.objectId}`));
  return [...known.filter((k) => !removed.has(`${k.kind}:${k.objectId}`)), ...diff.added];
}
