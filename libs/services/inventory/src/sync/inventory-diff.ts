import { createHash } from 'node:crypto';
import { INVENTORY_EVENT_CHUNK, INVENTORY_OBJECT_KINDS, type InventoryObject, type InventoryObjectKind } from '@holdfast/contracts';

export interface KnownObject {
  readonly kind: InventoryObjectKind;
  readonly objectId: string;
  readonly name: string;
  readonly fingerprint: string;
}

export interface InventoryDiff {
  readonly added: InventoryObject[];
  readonly changed: InventoryObject[];
  readonly removed: { objectId: string; kind: InventoryObjectKind; name: string }[];
}

export const objectKey = (o: { kind: string; objectId: string }) => `${o.kind}:${o.objectId}`;

/** A stable hash of everything an event would say about the object. */
export function fingerprint(o: InventoryObject): string {
  const fields = [o.kind, o.objectId, o.name, o.address ?? '', o.licensed ?? '', o.mailbox ?? '', o.oneDrive ?? '', o.parentId ?? '', o.channels ?? ''];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}

/** What is new, changed or gone compared with the last sync (duplicates in `found` count once). */
export function diffInventory(known: readonly KnownObject[], found: readonly InventoryObject[]): InventoryDiff {
  const before = new Map(known.map((k) => [objectKey(k), k]));
  const seen = new Set<string>();
  const added: InventoryObject[] = [];
  const changed: InventoryObject[] = [];
  for (const o of found) {
    const key = objectKey(o);
    if (seen.has(key)) continue;
    seen.add(key);
    const k = before.get(key);
    if (!k) added.push(o);
    else if (k.fingerprint !== fingerprint(o)) changed.push(o);
  }
  const removed = known.filter((k) => !seen.has(objectKey(k))).map((k) => ({ objectId: k.objectId, kind: k.kind, name: k.name }));
  return { added, changed, removed };
}

export function chunks<T>(items: readonly T[], size = INVENTORY_EVENT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function totalsByKind(objects: readonly { kind: InventoryObjectKind }[]): Record<InventoryObjectKind, number> {
  const totals = Object.fromEntries(INVENTORY_OBJECT_KINDS.map((k) => [k, 0])) as Record<InventoryObjectKind, number>;
  for (const o of objects) totals[o.kind]++;
  return totals;
}
