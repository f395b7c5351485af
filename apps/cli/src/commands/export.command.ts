import type { Command } from 'commander';
import { HoldfastError } from '@holdfast/contracts';
import { EXPORT_FORMATS, exportMailboxPoint, type ExportFormat } from '@holdfast/service-recovery';
import { printResult } from '../output';
import { pointFromRepository, withRepository, type RecoveryCliOpts } from '../recovery/recovery-cli';

interface ExportOpts extends RecoveryCliOpts {
  format: ExportFormat;
  out?: string;
  folder?: string[];
  item?: string[];
}

/** `holdfast export`: files from a recovery point, read straight from the repository. */
export function register(program: Command): void {
  program
    .command('export')
    .description('export a mailbox recovery point to files: eml (one per message, under folder paths), mbox, vcf, ics or zip')
    .option('--tenant <id>', 'MSP tenant (default: HOLDFAST_TENANT or "default")')
    .option('--org <id>', 'organization (informational offline)')
    .requiredOption('--mailbox <upn>', 'mailbox address')
    .option('--point <id>', 'recovery point id')
    .option('--as-of <time>', 'the latest recovery point at or before this time')
    .option('--format <f>', EXPORT_FORMATS.join(' | '), 'eml')
    .requiredOption('--out <dir>', 'folder to write into (created); for zip the .zip goes there')
    .option('--folder <path...>', 'only these folders (with subfolders)')
    .option('--item <id...>', 'only these items (Graph ids)')
    .option('--repo <location>', 'repository (default: HOLDFAST_REPO); password from HOLDFAST_REPO_PASSWORD')
    .option('--json', 'print JSON')
    .action(async (opts: ExportOpts) => {
      if (!EXPORT_FORMATS.includes(opts.format)) throw new HoldfastError('validation_failed', `--format must be one of ${EXPORT_FORMATS.join(', ')}`);
      const report = await withRepository(opts, async (t) => {
        const pointId = await pointFromRepository(t, opts);
        return exportMailboxPoint({ source: t, pointId, format: opts.format, out: opts.out!, zipName: `${opts.mailbox}-${pointId.slice(0, 12)}`, folderPaths: opts.folder, itemIds: opts.item });
      });
      printResult(!!opts.json, report, () =>
        [`exported ${report.messages} message(s), ${report.contacts} contact(s), ${report.events} event(s) in ${report.files} file(s) to ${report.location}`, ...report.failed.map((f) => `  failed ${f.id}: ${f.error}`)].join('\n'),
      );
      if (report.failed.length) process.exitCode = 1;
    });
}
