import { z } from 'zod';
import { defineEvent } from './define-event';

/*
 * What the inventory service discovered in a customer organization. Stream
 * `inventory-<organizationId>`. Objects are listed by id, kind, name and address only,
 * in chunks (at most INVENTORY_EVENT_CHUNK per event), never with content or secrets.
 */

/** Largest number of objects one inventory event lists. */
export const INVENTORY_EVENT_CHUNK = 500;

export const INVENTORY_OBJECT_KINDS = ['user', 'shared-mailbox', 'group', 'team', 'site', 'onedrive'] as const;
export type InventoryObjectKind = (typeof INVENTORY_OBJECT_KINDS)[number];

export const inventoryObjectSchema = z.object({
  objectId: z.string().min(1).describe('Graph id (user, group, team, site or drive id)'),
  kind: z.enum(INVENTORY_OBJECT_KINDS),
  name: z.string().describe('display name'),
  address: z.string().optional().describe('mail address, user principal name or site URL'),
  licensed: z.boolean().optional().describe('users: holds an Exchange/OneDrive licence'),
  mailbox: z.enum(['user', 'shared', 'group', 'none']).optional().describe('which mailbox the object has (none: unlicensed user)'),
  oneDrive: z.boolean().optional().describe('users: whether a OneDrive exists (false: not provisioned, e.g. unlicensed)'),
  parentId: z.string().optional().describe('parent site of a subsite, owner of a OneDrive, team of a channel'),
  channels: z.number().int().nonnegative().optional().describe('teams: number of channels'),
});
export type InventoryObject = z.infer<typeof inventoryObjectSchema>;

const chunk = z.array(inventoryObjectSchema).max(INVENTORY_EVENT_CHUNK);
const base = {
  organizationId: z.uuid(),
  syncId: z.uuid().describe('the sync that found the change'),
};

export const InventoryObjectsDiscovered = defineEvent({
  type: 'InventoryObjectsDiscovered',
  schemaVersion: 1,
  category: 'inventory',
  producer: 'inventory',
  description: 'Objects seen for the first time in an organization (users, mailboxes, groups, teams, sites, OneDrives).',
  data: z.object({ ...base, objects: chunk.min(1) }),
});

export const InventoryObjectsChanged = defineEvent({
  type: 'InventoryObjectsChanged',
  schemaVersion: 1,
  category: 'inventory',
  producer: 'inventory',
  description: 'Known objects whose name, address, licence or mailbox changed since the last sync.',
  data: z.object({ ...base, objects: chunk.min(1) }),
});

export const InventoryObjectsRemoved = defineEvent({
  type: 'InventoryObjectsRemoved',
  schemaVersion: 1,
  category: 'inventory',
  producer: 'inventory',
  description: 'Known objects no longer found in the organization (deleted or out of scope).',
  data: z.object({
    ...base,
    objects: z
      .array(z.object({ objectId: z.string().min(1), kind: z.enum(INVENTORY_OBJECT_KINDS), name: z.string() }))
      .min(1)
      .max(INVENTORY_EVENT_CHUNK),
  }),
});

const counts = z.object(
  Object.fromEntries(INVENTORY_OBJECT_KINDS.map((k) => [k, z.number().int().nonnegative()])) as Record<
    InventoryObjectKind,
    z.ZodNumber
  >,
);

export const InventorySyncCompleted = defineEvent({
  type: 'InventorySyncCompleted',
  schemaVersion: 1,
  category: 'inventory',
  producer: 'inventory',
  description: 'A discovery or re-sync of an organization finished, with the totals it found.',
  data: z.object({
    ...base,
    totals: counts.describe('objects of each kind now known'),
    added: z.number().int().nonnegative(),
    changed: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    startedAt: z.iso.datetime(),
    completedAt: z.iso.datetime(),
  }),
});

export const InventorySyncFailed = defineEvent({
  type: 'InventorySyncFailed',
  schemaVersion: 1,
  category: 'inventory',
  producer: 'inventory',
  description: 'A discovery or re-sync of an organization failed; nothing it found was recorded.',
  data: z.object({
    ...base,
    code: z.string().min(1).describe('error code (e.g. permissions_missing, credentials_invalid)'),
    reason: z.string().min(1).describe('what went wrong, without secrets'),
    failedAt: z.iso.datetime(),
  }),
});

/** Events of the inventory service. */
export const INVENTORY_EVENTS = [
  InventoryObjectsDiscovered,
  InventoryObjectsChanged,
  InventoryObjectsRemoved,
  InventorySyncCompleted,
  InventorySyncFailed,
] as const;
