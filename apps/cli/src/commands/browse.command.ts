import type { Command } from 'commander';
import { printResult } from '../output';
import { mailboxOf, tenantOf, withCatalog, withCatalogOptions, type RecoveryCliOpts } from '../recovery/recovery-cli';

interface BrowseOpts extends RecoveryCliOpts {
  folder?: string;
  sort?: 'date' | 'subject' | 'size';
  order?: 'asc' | 'desc';
  limit?: string;
  cursor?: string;
  subfolders?: boolean;
}

/** `holdfast browse`: org -> mailboxes -> points/folders -> items, from the catalog. */
export function register(program: Command): void {
  withCatalogOptions(program.command('browse').description('browse backed-up mailboxes: mailboxes, recovery points, folder tree, items of a folder'))
    .option('--folder <path>', 'list the items of this folder (e.g. Inbox/Projects)')
    .option('--subfolders', 'with --folder: include subfolders')
    .option('--sort <key>', 'date | subject | size', 'date')
    .option('--order <dir>', 'asc | desc')
    .option('--limit <n>', 'items per page', '50')
    .option('--cursor <c>', 'next page (from the previous output)')
    .action(async (opts: BrowseOpts) =>
      withCatalog(opts, async (q) => {
        const tenant = tenantOf(opts);
        if (!opts.mailbox) {
          const boxes = await q.listMailboxes(tenant, opts.org);
          printResult(!!opts.json, { mailboxes: boxes }, () =>
            boxes.length ? boxes.map((b) => `${b.mailbox}  ${b.points} points  ${b.firstPointTime} .. ${b.lastPointTime}  (org ${b.organizationId})`).join('\n') : 'no backed-up mailboxes',
          );
          return;
        }
        const mbx = await mailboxOf(q, opts);
        const sel = { objectId: mbx.objectId, pointId: opts.point, asOf: opts.asOf };
        if (opts.folder === undefined) {
          const point = await q.resolvePoint(tenant, sel);
          const [points, folders] = await Promise.all([q.listPoints(tenant, mbx.objectId), q.folderTree(tenant, sel)]);
          printResult(!!opts.json, { mailbox: mbx, point, points, folders }, () =>
            [
              `${mbx.mailbox}: point ${point.pointId} (${point.pointTime}, ${point.itemCount} items); ${points.length} points`,
              ...folders.map((f) => `${'  '.repeat(f.depth)}${f.name}  (${f.itemCount}/${f.totalCount})`),
            ].join('\n'),
          );
          return;
        }
        const page = await q.listItems(tenant, { ...sel, folderPath: opts.folder, includeSubfolders: !!opts.subfolders, sort: opts.sort, order: opts.order, limit: Number(opts.limit), cursor: opts.cursor });
        printResult(!!opts.json, page, () =>
          [
            ...page.items.map((i) => `${i.id}\t${i.date ?? ''}\t${i.from ?? ''}\t${i.subject ?? ''}\t${i.size} B${i.hasAttachments ? ' +att' : ''}`),
            page.nextCursor ? `next page: --cursor ${page.nextCursor}` : `${page.items.length} item(s)`,
          ].join('\n'),
        );
      }),
    );
}
