import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { HoldfastError } from '@holdfast/contracts';
import {
  backendFromLocation,
  checkRepository,
  collectGarbage,
  rebuildIndex,
  Repository,
  repositoryStats,
  type GcReport,
  type StorageBackend,
} from '@holdfast/repository';
import { printResult } from '../output';

interface RepoOpts {
  repo?: string;
  json?: boolean;
  passwordInsecure?: string;
}

/** Secrets come from HOLDFAST_REPO_PASSWORD or a prompt; --password-insecure only if insisted on. */
async function password(opts: RepoOpts, purpose = 'repository password'): Promise<string> {
  if (opts.passwordInsecure) return opts.passwordInsecure;
  const env = process.env.HOLDFAST_REPO_PASSWORD;
  if (env) return env;
  return prompt(`${purpose}: `);
}

async function prompt(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new HoldfastError('validation_failed', 'set HOLDFAST_REPO_PASSWORD (no terminal to prompt for the repository password)');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput?: (s: string) => void; output: NodeJS.WritableStream };
  out._writeToOutput = (s: string) => {
    if (s.startsWith(question)) out.output.write(question);
  };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

function backend(opts: RepoOpts): StorageBackend {
  const location = opts.repo ?? process.env.HOLDFAST_REPO;
  if (!location) throw new HoldfastError('validation_failed', '--repo PATH_OR_S3_URL is required (or set HOLDFAST_REPO)');
  return backendFromLocation(location);
}

async function open(opts: RepoOpts): Promise<Repository> {
  return Repository.open(backend(opts), { password: await password(opts) });
}

function common(cmd: Command): Command {
  return cmd
    .option('--repo <location>', 'repository: a folder, or s3://bucket/prefix?endpoint=URL&region=R (credentials from AWS_* env)')
    .option('--json', 'print JSON')
    .option('--password-insecure <password>', 'repository password on the command line (visible to other users; prefer HOLDFAST_REPO_PASSWORD)');
}

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

export function register(program: Command): void {
  const repo = program.command('repo').description('manage a backup repository (local folder or S3)');

  common(repo.command('init').description('create a new, empty repository'))
    .option('--pack-size-mib <n>', 'target pack size in MiB (default 16)')
    .action(async (opts: RepoOpts & { packSizeMib?: string }) => {
      const pw = await password(opts, 'new repository password');
      const packMiB = opts.packSizeMib ? Number(opts.packSizeMib) : undefined;
      if (packMiB !== undefined && !(packMiB >= 1 && packMiB <= 128)) throw new HoldfastError('validation_failed', '--pack-size-mib must be between 1 and 128');
      const r = await Repository.init(backend(opts), { password: pw, config: packMiB ? { packTargetBytes: packMiB * 1048576 } : undefined });
      printResult(!!opts.json, { id: r.config.id, location: r.backend.location, formatVersion: r.config.version }, () => `created repository ${r.config.id} at ${r.backend.location}`);
      await r.close();
    });

  common(repo.command('stats').description('sizes and counts per tenant'))
    .option('--tenant <id>', 'only this tenant')
    .action(async (opts: RepoOpts & { tenant?: string }) => {
      const r = await open(opts);
      const s = await repositoryStats(r, opts.tenant ? [opts.tenant] : undefined);
      printResult(!!opts.json, s, () =>
        [
          `repository ${s.id} at ${s.location} (format v${s.formatVersion}), ${mib(s.totalBytes)} stored`,
          ...s.tenants.map(
            (t) =>
              `  ${t.tenant}: ${t.manifests} recovery points, ${t.items} items, ${t.blobs} blobs (${mib(t.uniqueBytes)} unique), ${t.packs} packs (${mib(t.packBytes)}), ${t.indexFiles} index files, ${t.lockedObjects} locked objects, ${t.sessions} writer sessions`,
          ),
        ].join('\n'),
      );
      await r.close();
    });

  common(repo.command('check').description('verify the repository; exits non-zero and names every damaged object'))
    .option('--read-data', 'read and verify every blob (decrypt, decompress, hash)')
    .option('--tenant <id>', 'only this tenant')
    .action(async (opts: RepoOpts & { readData?: boolean; tenant?: string }) => {
      const r = await open(opts);
      const report = await checkRepository(r, { readData: !!opts.readData, tenants: opts.tenant ? [opts.tenant] : undefined });
      printResult(!!opts.json, report, () =>
        [
          ...report.errors.map((e) => `DAMAGED ${e.object}: ${e.problem}`),
          ...report.warnings.map((w) => `warning ${w.object}: ${w.problem}`),
          `${report.ok ? 'no errors' : `${report.errors.length} damaged object(s)`}: ${report.tenants.length} tenant(s), ${report.counts.packs} packs, ${report.counts.indexFiles} index files, ${report.counts.blobs} blobs, ${report.counts.manifests} recovery points${report.readData ? `, ${mib(report.counts.bytesRead)} read` : ''}`,
        ].join('\n'),
      );
      if (!report.ok) process.exitCode = 3;
      await r.close();
    });

  common(repo.command('gc').description('delete data no recovery point references (two runs apart, safe with writers running)'))
    .option('--tenant <id>', 'only this tenant')
    .option('--grace-seconds <n>', 'override the grace period (only when no writer can be running)')
    .option('--dry-run', 'report without deleting')
    .action(async (opts: RepoOpts & { tenant?: string; graceSeconds?: string; dryRun?: boolean }) => {
      const r = await open(opts);
      const grace = opts.graceSeconds === undefined ? undefined : Number(opts.graceSeconds);
      if (grace !== undefined && !(grace >= 0)) throw new HoldfastError('validation_failed', '--grace-seconds must be a number >= 0');
      const reports: GcReport[] = [];
      for (const t of opts.tenant ? [opts.tenant] : await r.listTenants()) reports.push(await collectGarbage(r, t, { graceSeconds: grace, dryRun: opts.dryRun }));
      printResult(!!opts.json, { tenants: reports }, () =>
        reports
          .map(
            (g) =>
              `${g.tenant}: ${g.manifests} recovery points, ${g.packs} packs; deleted ${g.packsDeleted} (${mib(g.bytesDeleted)}), condemned ${g.packsCondemned}, waiting ${g.packsWaiting}, kept locked ${g.packsLocked}, rescued ${g.packsRescued}`,
          )
          .join('\n') || 'no tenants',
      );
      await r.close();
    });

  common(repo.command('rebuild-index').description("rewrite a tenant's index from the pack headers"))
    .requiredOption('--tenant <id>', 'tenant')
    .action(async (opts: RepoOpts & { tenant: string }) => {
      const r = await open(opts);
      const res = await rebuildIndex(r, opts.tenant);
      printResult(!!opts.json, res, () => `indexed ${res.blobs} blobs in ${res.packs} packs${res.unreadable.length ? `; unreadable: ${res.unreadable.join(', ')}` : ''}`);
      await r.close();
    });

  const keys = repo.command('keys').description('passwords, master key and tenant data keys');
  common(keys.command('list').description('list key files and tenant keys (ids only, never key material)')).action(async (opts: RepoOpts) => {
    const r = await open(opts);
    const k = await r.listKeys();
    printResult(!!opts.json, k, () =>
      [
        `master key ${k.masterKeyId}`,
        ...k.keyFiles.map((f) => `password key file ${f.id} (created ${f.createdAt})${f.current ? ' [this password]' : ''}`),
        ...k.tenants.map((t) => `tenant ${t.tenant}: active data key ${t.activeDataKeyId}, ${t.dataKeys.length} data key(s)`),
      ].join('\n'),
    );
    await r.close();
  });
  common(keys.command('add').description('add another password (read from HOLDFAST_REPO_NEW_PASSWORD or a prompt)')).action(async (opts: RepoOpts) => {
    const r = await open(opts);
    const pw = process.env.HOLDFAST_REPO_NEW_PASSWORD || (await prompt('new password: '));
    const id = await r.addPassword(pw);
    printResult(!!opts.json, { keyFileId: id }, () => `added key file ${id}`);
    await r.close();
  });
  common(keys.command('rotate').description('rotate the master key (re-wraps every tenant keyring), or with --tenant a tenant data key'))
    .option('--tenant <id>', 'rotate this tenant\'s data key instead (new data uses the new key)')
    .action(async (opts: RepoOpts & { tenant?: string }) => {
      const r = await open(opts);
      if (opts.tenant) {
        const res = await r.rotateTenantKey(opts.tenant);
        printResult(!!opts.json, res, () => `tenant ${res.tenant}: new active data key ${res.activeDataKeyId}`);
      } else {
        const res = await r.rotateMasterKey();
        printResult(!!opts.json, res, () =>
          `new master key ${res.masterKeyId}; ${res.tenants} tenant keyring(s) re-wrapped${res.removedKeyFiles.length ? `; removed other passwords' key files ${res.removedKeyFiles.join(', ')} (add them again)` : ''}`,
        );
      }
      await r.close();
    });
  common(keys.command('destroy-tenant').description("crypto-shred a tenant: destroy its keys so its data can never be read again"))
    .requiredOption('--tenant <id>', 'tenant to destroy')
    .option('--yes-destroy-all-data-of-tenant <id>', 'confirmation: repeat the tenant id')
    .action(async (opts: RepoOpts & { tenant: string; yesDestroyAllDataOfTenant?: string }) => {
      if (opts.yesDestroyAllDataOfTenant !== opts.tenant) {
        throw new HoldfastError('validation_failed', `irreversible: confirm with --yes-destroy-all-data-of-tenant ${opts.tenant}`);
      }
      const r = await open(opts);
      await r.destroyTenantKeys(opts.tenant);
      printResult(!!opts.json, { tenant: opts.tenant, destroyed: true }, () => `tenant ${opts.tenant}: keys destroyed; its data is unreadable`);
      await r.close();
    });
}
