import { readFileSync } from 'node:fs';
import { CATALOG, HoldfastError } from '@holdfast/contracts';
import { PostgresEventStore, ProjectionRunner, UpcasterRegistry } from '@holdfast/event-store';
import { Pacer } from '@holdfast/graph';
import type { MessageBus } from '@holdfast/messaging';
import { getLogger } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { INVENTORY_PROJECTIONS } from './projections/inventory.projections';
import { InventorySync } from './sync/inventory-sync';

/** Everything the inventory service runs on, built once per process. */
export class InventoryRuntime {
  readonly store: PostgresEventStore;
  readonly runner: ProjectionRunner;
  readonly sync: InventorySync;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private readonly log = getLogger('InventoryScheduler');

  constructor(
    readonly pool: Pool,
    bus: MessageBus,
    private readonly options: { databaseUrl: string; caFile?: string; resyncHours: number; tickSeconds: number },
  ) {
    this.store = new PostgresEventStore({ pool, upcasters: new UpcasterRegistry().registerCatalog(CATALOG), validate: CATALOG });
    this.runner = new ProjectionRunner({ pool, store: this.store, projections: [...INVENTORY_PROJECTIONS], listenUrl: options.databaseUrl, logger: getLogger('InventoryProjections') });
    this.sync = new InventorySync({ pool, store: this.store, bus, ca: readCa(options.caFile), pacer: new Pacer(), resyncHours: options.resyncHours });
  }

  start(): void {
    this.runner.start();
    this.timer = setInterval(() => void this.tick(), this.options.tickSeconds * 1000);
    this.timer.unref();
  }

  /** Re-syncs the organizations that are due (new ones are due at once). */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        await this.runner.catchUp(['inventory.organizations']);
        for (const due of await this.sync.due()) {
          try {
            const s = await this.sync.sync(due.tenantId, due.organizationId);
            this.log.info({ organizationId: due.organizationId, added: s.added, changed: s.changed, removed: s.removed }, 'inventory synced');
          } catch (e) {
            this.log.warn({ organizationId: due.organizationId, code: (e as HoldfastError).code }, 'inventory sync failed');
          }
        }
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'inventory scheduler tick failed');
      }
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await this.runner.stop();
  }
}

function readCa(file?: string): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new HoldfastError('validation_failed', `HOLDFAST_GRAPH_CA_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export const INVENTORY_RUNTIME = Symbol('holdfast.inventory.runtime');
