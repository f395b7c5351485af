import type { ServiceDefinition } from '@holdfast/service-kit';
import { authService } from '@holdfast/service-auth';
import { backupWorkerService } from '@holdfast/service-backup-worker';
import { catalogService } from '@holdfast/service-catalog';
import { gatewayService } from '@holdfast/service-gateway';
import { inventoryService } from '@holdfast/service-inventory';
import { recoveryService } from '@holdfast/service-recovery';
import { retentionService } from '@holdfast/service-retention';
import { schedulerService } from '@holdfast/service-scheduler';

/** Every service module, in the order the all-in-one process mounts them. */
export const allServices: readonly ServiceDefinition[] = [
  gatewayService,
  authService,
  inventoryService,
  schedulerService,
  backupWorkerService,
  retentionService,
  catalogService,
  recoveryService,
];
