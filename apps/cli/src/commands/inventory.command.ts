import { HoldfastError, INVENTORY_OBJECT_KINDS } from '@holdfast/contracts';
import type { Command } from 'commander';
import { apiClientFromEnv } from '../api-client';
import { ORG_ROUTES } from '../orgs/org-routes';
import { printResult } from '../output';

const KINDS: readonly string[] = INVENTORY_OBJECT_KINDS;

interface ListOptions {
  org?: string;
  kind?: string;
  search?: string;
  licensed?: boolean;
  unlicensed?: boolean;
  protected?: boolean;
  unprotected?: boolean;
  limit: string;
  offset: string;
  json?: boolean;
}

interface InventoryItem {
  kind: string;
  objectId: string;
  name: string;
  address: string | null;
  licensed: boolean | null;
  mailbox: string | null;
  oneDrive: boolean | null;
  protected: boolean;
}

/** The query string of GET /api/v1/inventory from the command line. */
export function inventoryQuery(o: ListOptions): string {
  if (o.licensed && o.unlicensed) throw new HoldfastError('validation_failed', 'give --licensed or --unlicensed, not both');
  if (o.protected && o.unprotected) throw new HoldfastError('validation_failed', 'give --protected or --unprotected, not both');
  if (o.kind && !KINDS.includes(o.kind)) throw new HoldfastError('validation_failed', `--kind: expected one of ${KINDS.join(', ')}`);
  for (const [name, v] of [['--limit', o.limit], ['--offset', o.offset]] as const) {
    if (!/^\d+$/.test(v)) throw new HoldfastError('validation_failed', `${name}: expected a whole number`);
  }
  const q = new URLSearchParams();
  if (o.org) q.set('organizationId', o.org);
  if (o.kind) q.set('kind', o.kind);
  if (o.search) q.set('search', o.search);
  if (o.licensed || o.unlicensed) q.set('licensed', String(!!o.licensed));
  if (o.protected || o.unprotected) q.set('protected', String(!!o.protected));
  q.set('limit', o.limit);
  q.set('offset', o.offset);
  return q.toString();
}

export function register(program: Command): void {
  const inventory = program.command('inventory').description('discovered users, mailboxes, OneDrives, sites, groups and teams');

  inventory
    .command('list')
    .description('search and filter the inventory')
    .option('--org <organizationId>', 'only this organization')
    .option('--kind <kind>', `only this kind (${KINDS.join(', ')})`)
    .option('--search <text>', 'part of the name or address')
    .option('--licensed', 'only licensed users')
    .option('--unlicensed', 'only unlicensed users (no mailbox, no OneDrive)')
    .option('--protected', 'only objects in a backup job')
    .option('--unprotected', 'only objects in no backup job')
    .option('--limit <n>', 'at most this many', '100')
    .option('--offset <n>', 'skip this many', '0')
    .option('--json', 'print JSON')
    .action(async (opts: ListOptions) => {
      const page = await apiClientFromEnv().get<{ total: number; items: InventoryItem[] }>(`${ORG_ROUTES.inventory}?${inventoryQuery(opts)}`);
      printResult(!!opts.json, page, () =>
        [
          ...page.items.map(
            (i) =>
              `${i.kind.padEnd(14)} ${i.name}  ${i.address ?? ''}${i.licensed === false ? '  (unlicensed: no mailbox/OneDrive)' : ''}${i.protected ? '  protected' : ''}`,
          ),
          `${page.items.length} of ${page.total}`,
        ].join('\n'),
      );
    });

  inventory
    .command('sync')
    .description('discover the objects of an organization now (new, changed and removed ones are recorded)')
    .requiredOption('--org <organizationId>', 'the organization')
    .option('--json', 'print JSON')
    .action(async (opts: { org: string; json?: boolean }) => {
      const r = await apiClientFromEnv().post<{ totals: Record<string, number>; added: number; changed: number; removed: number }>(ORG_ROUTES.inventorySync(opts.org));
      printResult(!!opts.json, r, () =>
        [`added ${r.added}, changed ${r.changed}, removed ${r.removed}`, ...Object.entries(r.totals).map(([k, n]) => `  ${k}: ${n}`)].join('\n'),
      );
    });
}
