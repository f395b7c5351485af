import type { Command } from 'commander';
import { HoldfastError } from '@holdfast/contracts';
import { createTokenProvider, GraphClient, resolveCloud } from '@holdfast/graph';
import { CONFLICT_POLICIES, restoreMailbox, type ConflictPolicy } from '@holdfast/service-recovery';
import { readFileSync } from 'node:fs';
import { printResult } from '../output';
import { pointFromRepository, withRepository, type RecoveryCliOpts } from '../recovery/recovery-cli';

interface RestoreOpts extends RecoveryCliOpts {
  item?: string[];
  folder?: string[];
  toMailbox?: string;
  inPlace?: boolean;
  restoreFolder?: string;
  conflict: ConflictPolicy;
}

/**
 * `holdfast restore`: messages back into Exchange through Graph. Offline, the target
 * organization's app credentials come from HOLDFAST_GRAPH_TENANT_ID / _CLIENT_ID / _CLIENT_SECRET
 * (and HOLDFAST_GRAPH_URL / HOLDFAST_AUTHORITY_HOST / HOLDFAST_GRAPH_CA for the simulator).
 */
export function register(program: Command): void {
  program
    .command('restore')
    .description('restore items and/or whole folders of a mailbox recovery point into a mailbox')
    .option('--tenant <id>', 'MSP tenant (default: HOLDFAST_TENANT or "default")')
    .requiredOption('--mailbox <upn>', 'mailbox the items were backed up from')
    .option('--point <id>', 'recovery point id')
    .option('--as-of <time>', 'the latest recovery point at or before this time')
    .option('--item <id...>', 'items to restore (Graph ids)')
    .option('--folder <path...>', 'whole folders to restore (with subfolders)')
    .option('--to-mailbox <upn>', 'restore into this mailbox (default: the original)')
    .option('--in-place', 'into the original folders (default: under a restore folder)')
    .option('--restore-folder <name>', 'name of the restore folder')
    .option('--conflict <policy>', CONFLICT_POLICIES.join(' | '), 'rename')
    .option('--repo <location>', 'repository (default: HOLDFAST_REPO); password from HOLDFAST_REPO_PASSWORD')
    .option('--json', 'print JSON')
    .action(async (opts: RestoreOpts) => {
      if (!CONFLICT_POLICIES.includes(opts.conflict)) throw new HoldfastError('validation_failed', `--conflict must be one of ${CONFLICT_POLICIES.join(', ')}`);
      const env = process.env;
      const tenantId = env.HOLDFAST_GRAPH_TENANT_ID;
      const clientId = env.HOLDFAST_GRAPH_CLIENT_ID;
      const clientSecret = env.HOLDFAST_GRAPH_CLIENT_SECRET;
      if (!tenantId || !clientId || !clientSecret) {
        throw new HoldfastError('validation_failed', 'set HOLDFAST_GRAPH_TENANT_ID, HOLDFAST_GRAPH_CLIENT_ID and HOLDFAST_GRAPH_CLIENT_SECRET for the target organization');
      }
      const ca = env.HOLDFAST_GRAPH_CA ? readFileSync(env.HOLDFAST_GRAPH_CA, 'utf8') : undefined;
      const cloud = resolveCloud('global', {
        ...(env.HOLDFAST_AUTHORITY_HOST ? { authorityHost: env.HOLDFAST_AUTHORITY_HOST } : {}),
        ...(env.HOLDFAST_GRAPH_URL ? { graphEndpoint: env.HOLDFAST_GRAPH_URL } : {}),
      });
      const tokenProvider = createTokenProvider({ kind: 'client-secret', tenantId, clientId, clientSecret }, { cloud, ...(ca ? { ca } : {}) });
      const graph = new GraphClient({ tenantId, cloud, apps: [{ appId: clientId, tokenProvider }], ...(ca ? { ca } : {}) });
      const report = await withRepository(opts, async (t) => {
        const pointId = await pointFromRepository(t, opts);
        return restoreMailbox({
          graph,
          source: t,
          pointId,
          itemIds: opts.item,
          folderPaths: opts.folder,
          targetMailbox: opts.toMailbox ?? opts.mailbox!,
          inPlace: !!opts.inPlace,
          restoreFolder: opts.restoreFolder,
          conflictPolicy: opts.conflict,
        });
      });
      printResult(!!opts.json, report, () =>
        [
          `restore ${report.status}: ${report.counts.restored} restored, ${report.counts.skipped} skipped, ${report.counts.failed} failed of ${report.counts.total}${report.restoreFolder ? ` (under "${report.restoreFolder}")` : ''}`,
          ...report.failures.map((f) => `  failed ${f.itemId}: ${f.reason}`),
        ].join('\n'),
      );
      if (report.status !== 'success') process.exitCode = 1;
    });
}
