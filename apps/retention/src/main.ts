// Distributed-mode entry point of the retention service (one process or container).
import { runService } from '@holdfast/service-kit';
import { retentionService } from '@holdfast/service-retention';

void runService(retentionService);
