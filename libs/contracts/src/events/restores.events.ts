import { z } from 'zod';
import { defineEvent } from './define-event';

/*
 * Restores and exports of backed-up items. Stream `restore-<restoreId>`: requested,
 * progress every few seconds (never per item), completed; the recovery service appends them.
 */

export const RESTORE_CONFLICT_POLICIES = ['rename', 'skip', 'overwrite'] as const;
export const RESTORE_STATUSES = ['success', 'partial', 'failed', 'stopped'] as const;
export const EXPORT_FORMAT_NAMES = ['eml', 'mbox', 'vcf', 'ics', 'zip'] as const;

export const restoreSelectionSchema = z.object({
  itemIds: z.array(z.string().min(1)).describe('Graph ids of selected items'),
  folderPaths: z.array(z.string()).describe('whole folders (with subfolders)'),
});

export const restoreCountsSchema = z.object({
  total: z.number().int().nonnegative(),
  restored: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative().describe('left alone by the skip conflict policy'),
  failed: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});

export const RestoreRequested = defineEvent({
  type: 'RestoreRequested',
  schemaVersion: 1,
  category: 'restore',
  producer: 'recovery',
  description: 'A restore of items from a recovery point to a mailbox was requested.',
  data: z.object({
    restoreId: z.uuid(),
    organizationId: z.string().min(1).describe('organization the items were backed up from'),
    objectId: z.string().min(1).describe('mailbox the items were backed up from'),
    recoveryPointId: z.string().min(1),
    selection: restoreSelectionSchema,
    targetOrganizationId: z.string().min(1),
    targetMailbox: z.string().min(1).describe('UPN or id of the mailbox restored into'),
    inPlace: z.boolean().describe('to the original folders of the original mailbox'),
    restoreFolder: z.string().optional().describe('folder the restored tree goes under when not in place'),
    conflictPolicy: z.enum(RESTORE_CONFLICT_POLICIES),
    requestedBy: z.string().optional(),
    requestedAt: z.iso.datetime(),
  }),
});

export const RestoreProgressed = defineEvent({
  type: 'RestoreProgressed',
  schemaVersion: 1,
  category: 'restore',
  producer: 'recovery',
  description: 'Periodic progress of a running restore.',
  data: z.object({ restoreId: z.uuid(), counts: restoreCountsSchema, at: z.iso.datetime() }),
});

export const RestoreCompleted = defineEvent({
  type: 'RestoreCompleted',
  schemaVersion: 1,
  category: 'restore',
  producer: 'recovery',
  description: 'A restore ended; the report lists failed items with their reasons.',
  data: z.object({
    restoreId: z.uuid(),
    status: z.enum(RESTORE_STATUSES),
    counts: restoreCountsSchema,
    failures: z.array(z.object({ itemId: z.string(), reason: z.string() })).max(1000).describe('first failures (at most 1000)'),
    completedAt: z.iso.datetime(),
  }),
});

export const ExportCompleted = defineEvent({
  type: 'ExportCompleted',
  schemaVersion: 1,
  category: 'restore',
  producer: 'recovery',
  description: 'Items of a recovery point were exported to files (eml, mbox, vcf, ics or zip).',
  data: z.object({
    exportId: z.uuid(),
    organizationId: z.string().min(1),
    objectId: z.string().min(1),
    recoveryPointId: z.string().min(1),
    format: z.enum(EXPORT_FORMAT_NAMES),
    files: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    requestedBy: z.string().optional(),
    completedAt: z.iso.datetime(),
  }),
});

export const RESTORES_EVENTS = [RestoreRequested, RestoreProgressed, RestoreCompleted, ExportCompleted] as const;
