import { flavorForExtension, prefixForExtension, type GeneratedContent } from '../content/generated-content';
import type { DriveStore, IdentityRef, ItemRecord, VersionRecord } from '../model/drive-store';
import { Rng, seededGuid, seededItemId } from './seeded-random';

/**
 * Fills a drive with a deterministic folder tree: unicode names, deep chains, a realistic
 * size mix (many small office files, some media, rare very large files) and version
 * histories. Only metadata is created; content is generated lazily from (item id, version).
 */
export interface DriveGenOptions {
  /** World seed (as string or number). */
  seed: string | number;
  files: number;
  maxDepth: number;
  /** Probability that a file is large (100 MB - 2 GB). */
  largeFileRate: number;
  /** When > 0, one file of exactly this size (e.g. 20 GB) is added. */
  hugeFileBytes: number;
  /** Anchor time: everything is created within two years before it. */
  anchor: string;
  owner: IdentityRef;
  /** People who also edit files (shared drives). */
  editors: IdentityRef[];
}

const STEMS = [
  'Budget 2025', 'Quarterly report Q3', 'Résumé – Zoë', 'Präsentation Vertrieb', '議事録 2025-03', 'Отчёт о продажах',
  'Plan de projet', 'Ωμέγα notes', 'Party 🎉 plan', 'Inventário São Paulo', 'Kraków offsite', 'מצגת לקוח',
  'مسودة العقد', 'Roadmap', 'Invoice 00042', 'Meeting notes', 'Design spec v2', 'Onboarding checklist',
  'København lease', 'Страховка', '会議資料', 'Ferienplan Zürich', 'naïve bayes experiment', 'Data export',
];
const FOLDERS = [
  'Documents', 'Projets', 'Проекты', 'プロジェクト', 'Archive 2023', 'Finanzen', 'Clients', 'Équipe', 'Fotos 📷',
  'Contracts', 'Ιδέες', 'مشاريع', 'Scans', 'Templates', 'Shared with me', 'Backups', 'Q1', 'Q2', 'Q3', 'Q4',
  'Marketing', 'R&D', 'Legal', 'Reisen ✈', 'Old stuff', 'Desktop',
];

interface ExtSpec {
  ext: string;
  mime: string;
  weight: number;
  min: number;
  max: number;
}
const KB = 1024;
const MB = 1024 * 1024;
const EXTS: ExtSpec[] = [
  { ext: 'docx', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', weight: 22, min: 12 * KB, max: 4 * MB },
  { ext: 'xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', weight: 16, min: 8 * KB, max: 8 * MB },
  { ext: 'pptx', mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', weight: 8, min: 60 * KB, max: 40 * MB },
  { ext: 'pdf', mime: 'application/pdf', weight: 16, min: 20 * KB, max: 15 * MB },
  { ext: 'txt', mime: 'text/plain', weight: 8, min: 10, max: 200 * KB },
  { ext: 'csv', mime: 'text/csv', weight: 5, min: 100, max: 2 * MB },
  { ext: 'png', mime: 'image/png', weight: 9, min: 20 * KB, max: 6 * MB },
  { ext: 'jpg', mime: 'image/jpeg', weight: 10, min: 40 * KB, max: 9 * MB },
  { ext: 'mp4', mime: 'video/mp4', weight: 3, min: 2 * MB, max: 300 * MB },
  { ext: 'zip', mime: 'application/zip', weight: 3, min: 50 * KB, max: 200 * MB },
];
const TOTAL_WEIGHT = EXTS.reduce((s, e) => s + e.weight, 0);

export const MIME_BY_EXT: Record<string, string> = Object.fromEntries(EXTS.map((e) => [e.ext, e.mime]));

export function mimeTypeFor(name: string): string {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  return MIME_BY_EXT[ext] ?? (ext === 'json' ? 'application/json' : ext === 'html' ? 'text/html' : ext === 'md' ? 'text/markdown' : 'application/octet-stream');
}

function pickExt(r: Rng): ExtSpec {
  let x = r.next() * TOTAL_WEIGHT;
  for (const e of EXTS) {
    x -= e.weight;
    if (x < 0) return e;
  }
  return EXTS[0];
}

export function contentFor(itemId: string, versionId: string, name: string, size: number): GeneratedContent {
  return { kind: 'generated', seed: `${itemId}@${versionId}`, size, flavor: flavorForExtension(name), prefix: prefixForExtension(name) };
}

function isoMinus(anchor: string, ms: number): string {
  return new Date(Date.parse(anchor) - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DAY = 86_400_000;

/** Populates an empty drive (root already created) with generated items, all stamped seq 1. */
export function generateDriveContent(store: DriveStore, o: DriveGenOptions): void {
  const r = new Rng(o.seed, 'drive', store.drive.id);
  const driveId = store.drive.id;
  const people = [o.owner, ...o.editors];
  const root = store.root;
  const folders: ItemRecord[] = [root];
  let counter = 0;
  const make = (parent: ItemRecord, name: string, folder: boolean, createdAgo: number): ItemRecord => {
    const k = counter++;
    const taken = store.childByName(parent.id, name);
    if (taken) name = folder ? `${name} ${k}` : name.replace(/(\.[^.]+)?$/, ` ${k}$1`);
    const created = isoMinus(o.anchor, createdAgo);
    const by = r.pick(people);
    const item: ItemRecord = {
      id: seededItemId(o.seed, driveId, k),
      driveId,
      parentId: parent.id,
      name,
      folder,
      createdDateTime: created,
      lastModifiedDateTime: created,
      createdBy: by,
      lastModifiedBy: by,
      seq: 1,
      depth: parent.depth + 1,
      deleted: false,
      eTagVersion: 1,
      cTagVersion: 1,
      versions: [],
      listItemId: store.allocateListItemId(),
      uniqueId: seededGuid(o.seed, driveId, k),
    };
    store.load(item);
    return item;
  };

  const folderCount = Math.max(1, Math.round(o.files / 6));
  // one chain to the full depth so deep paths are always exercised
  let chainParent = root;
  for (let d = 1; d <= o.maxDepth && folders.length < folderCount + 1; d++) {
    chainParent = make(chainParent, d === 1 ? 'Deep ▸ Tiefe' : `Ebene ${d} – уровень`, true, r.int(300, 700) * DAY);
    folders.push(chainParent);
  }
  while (folders.length < folderCount + 1) {
    const candidates = folders.filter((f) => f.depth < o.maxDepth);
    const parent = r.pick(candidates);
    folders.push(make(parent, r.pick(FOLDERS), true, r.int(200, 700) * DAY));
  }

  const addFile = (parent: ItemRecord, name: string, size: number, mime: string): void => {
    const createdAgo = r.int(1, 650) * DAY + r.int(0, DAY);
    const item = make(parent, name, false, createdAgo);
    item.mimeType = mime;
    const versionCount = r.chance(0.3) ? r.int(2, 5) : 1;
    const versions: VersionRecord[] = [];
    let t = Date.parse(item.createdDateTime);
    for (let v = 1; v <= versionCount; v++) {
      const vSize = v === versionCount ? size : Math.max(0, Math.round(size * (0.6 + r.next() * 0.5)));
      const by = r.pick(people);
      if (v > 1) t += r.int(1, Math.max(1, Math.floor((Date.parse(o.anchor) - t) / DAY))) * DAY * 0.3;
      const at = new Date(Math.min(t, Date.parse(o.anchor))).toISOString().replace(/\.\d{3}Z$/, 'Z');
      versions.push({ id: `${v}.0`, size: vSize, lastModifiedDateTime: at, lastModifiedBy: by, content: contentFor(item.id, `${v}.0`, item.name, vSize) });
    }
    item.versions = versions;
    const last = versions[versions.length - 1];
    item.lastModifiedDateTime = last.lastModifiedDateTime;
    item.lastModifiedBy = last.lastModifiedBy;
    item.eTagVersion = versionCount;
    item.cTagVersion = versionCount;
  };

  for (let i = 0; i < o.files; i++) {
    const spec = pickExt(r);
    let size = r.logInt(spec.min, spec.max);
    if (r.chance(o.largeFileRate)) size = r.logInt(100 * MB, 2 * 1024 * MB);
    if (r.chance(0.01)) size = 0; // empty files exist
    const parent = i === 0 ? chainParent : r.pick(folders);
    addFile(parent, `${r.pick(STEMS)}.${spec.ext}`, size, spec.mime);
  }
  if (o.hugeFileBytes > 0) addFile(root, 'Disk image – Sicherung.vhdx', o.hugeFileBytes, 'application/octet-stream');
}
