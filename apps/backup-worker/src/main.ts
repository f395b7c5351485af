// Distributed-mode entry point of the backup-worker service (one process or container).
import { runService } from '@holdfast/service-kit';
import { backupWorkerService } from '@holdfast/service-backup-worker';

void runService(backupWorkerService);
