import type { Command } from 'commander';
import { HoldfastError } from '@holdfast/contracts';
import { printResult } from '../output';
import { mailboxOf, tenantOf, withCatalog, withCatalogOptions, type RecoveryCliOpts } from '../recovery/recovery-cli';

interface SearchOpts extends RecoveryCliOpts {
  subject?: string;
  from?: string;
  to?: string;
  attachment?: string;
  body?: string;
  folder?: string;
  type?: 'message' | 'contact' | 'event';
  hasAttachments?: boolean;
  after?: string;
  before?: string;
  limit?: string;
  cursor?: string;
}

/** `holdfast search TEXT`: ranked search over a point, a mailbox or an organization. */
export function register(program: Command): void {
  withCatalogOptions(program.command('search').description('search backed-up items (words or parts of words in subject, addresses, body, attachment names)'))
    .argument('[text...]', 'words or parts of words')
    .option('--subject <s>', 'in the subject')
    .option('--from <s>', 'in the sender')
    .option('--to <s>', 'in the recipients')
    .option('--attachment <s>', 'in attachment names')
    .option('--body <s>', 'in the body')
    .option('--folder <path>', 'in this folder and its subfolders')
    .option('--type <t>', 'message | contact | event')
    .option('--has-attachments', 'only items with attachments')
    .option('--after <time>', 'dated at or after')
    .option('--before <time>', 'dated at or before')
    .option('--limit <n>', 'results per page', '50')
    .option('--cursor <c>', 'next page')
    .action(async (text: string[], opts: SearchOpts) =>
      withCatalog(opts, async (q) => {
        const tenant = tenantOf(opts);
        const objectId = opts.mailbox ? (await mailboxOf(q, opts)).objectId : undefined;
        if (!objectId && !opts.org) throw new HoldfastError('validation_failed', 'give --mailbox UPN or --org ID to search in');
        const page = await q.search(tenant, {
          organizationId: opts.org,
          objectId,
          pointId: opts.point,
          asOf: opts.asOf,
          text: text.join(' ') || undefined,
          subject: opts.subject,
          from: opts.from,
          to: opts.to,
          attachmentName: opts.attachment,
          body: opts.body,
          ...(opts.folder ? { folderPath: opts.folder, includeSubfolders: true } : {}),
          itemType: opts.type,
          ...(opts.hasAttachments ? { hasAttachments: true } : {}),
          dateFrom: opts.after,
          dateTo: opts.before,
          limit: Number(opts.limit),
          cursor: opts.cursor,
        });
        printResult(!!opts.json, page, () =>
          [
            ...page.items.map((i) => `${i.id}\t${i.itemType}\t${i.folderPath}\t${i.date ?? ''}\t${i.from ?? ''}\t${i.subject ?? ''}`),
            page.nextCursor ? `next page: --cursor ${page.nextCursor}` : `${page.items.length} result(s)`,
          ].join('\n'),
        );
      }),
    );
}
