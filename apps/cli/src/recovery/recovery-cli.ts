import type { Command } from 'commander';
import { Pool } from 'pg';
import { HoldfastError } from '@holdfast/contracts';
import { backendFromLocation, Repository, type TenantRepository } from '@holdfast/repository';
import { CatalogQueryRepository, type CatalogMailbox } from '@holdfast/service-catalog';

/*
 * Offline access for browse/search/export/restore: the catalog in Postgres (DATABASE_URL or
 * --database-url) and the repository (--repo, HOLDFAST_REPO_PASSWORD). The gateway has no
 * catalog API yet; these commands switch to it once it exists.
 */

export interface RecoveryCliOpts {
  tenant?: string;
  org?: string;
  mailbox?: string;
  point?: string;
  asOf?: string;
  databaseUrl?: string;
  repo?: string;
  json?: boolean;
}

export function tenantOf(opts: RecoveryCliOpts): string {
  return opts.tenant ?? process.env.HOLDFAST_TENANT ?? 'default';
}

export function withCatalogOptions(cmd: Command): Command {
  return cmd
    .option('--tenant <id>', 'MSP tenant (default: HOLDFAST_TENANT or "default")')
    .option('--org <id>', 'organization id')
    .option('--mailbox <upn>', 'mailbox address (or its object id)')
    .option('--point <id>', 'recovery point id')
    .option('--as-of <time>', 'the latest recovery point at or before this ISO time')
    .option('--database-url <url>', 'catalog database (default: DATABASE_URL)')
    .option('--json', 'print JSON');
}

export async function withCatalog<T>(opts: RecoveryCliOpts, fn: (q: CatalogQueryRepository) => Promise<T>): Promise<T> {
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) throw new HoldfastError('validation_failed', '--database-url (or DATABASE_URL) is required: the catalog lives in Postgres');
  const pool = new Pool({ connectionString: url, max: 2 });
  try {
    return await fn(new CatalogQueryRepository(pool));
  } finally {
    await pool.end();
  }
}

export async function mailboxOf(q: CatalogQueryRepository, opts: RecoveryCliOpts): Promise<CatalogMailbox> {
  if (!opts.mailbox) throw new HoldfastError('validation_failed', '--mailbox UPN is required');
  return q.findMailbox(tenantOf(opts), opts.org, opts.mailbox);
}

export async function withRepository<T>(opts: RecoveryCliOpts, fn: (t: TenantRepository) => Promise<T>): Promise<T> {
  const location = opts.repo ?? process.env.HOLDFAST_REPO;
  if (!location) throw new HoldfastError('validation_failed', '--repo PATH_OR_S3_URL is required (or set HOLDFAST_REPO)');
  const password = process.env.HOLDFAST_REPO_PASSWORD;
  if (!password) throw new HoldfastError('validation_failed', 'set HOLDFAST_REPO_PASSWORD to read the repository');
  const repo = await Repository.open(backendFromLocation(location), { password });
  try {
    const t = await repo.openTenant(tenantOf(opts));
    return await fn(t);
  } finally {
    await repo.close();
  }
}

/**
 * The recovery point to use: --point as given, or from --as-of (or the latest) among the
 * repository's manifests labelled with the mailbox (no database needed).
 */
export async function pointFromRepository(t: TenantRepository, opts: RecoveryCliOpts): Promise<string> {
  if (opts.point) return opts.point;
  if (!opts.mailbox) throw new HoldfastError('validation_failed', '--mailbox UPN is required');
  const asOf = opts.asOf ? Date.parse(opts.asOf) : Number.POSITIVE_INFINITY;
  if (Number.isNaN(asOf)) throw new HoldfastError('validation_failed', `--as-of "${opts.asOf}" is not a date`);
  const mine = (await t.listManifests())
    // the backup worker labels manifests with the mailbox and its object id
    .filter((m) => [m.labels.mailbox, m.labels.object].some((l) => (l ?? '').toLowerCase() === opts.mailbox!.toLowerCase()))
    .filter((m) => Date.parse(m.labels.pointTime ?? m.createdAt) <= asOf)
    .sort((a, b) => Date.parse(b.labels.pointTime ?? b.createdAt) - Date.parse(a.labels.pointTime ?? a.createdAt));
  if (!mine.length) throw new HoldfastError('not_found', `no recovery point of ${opts.mailbox}${opts.asOf ? ` at or before ${opts.asOf}` : ''} in the repository`);
  return mine[0].id;
}
