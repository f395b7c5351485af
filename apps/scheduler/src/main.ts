// Distributed-mode entry point of the scheduler service (one process or container).
import { runService } from '@holdfast/service-kit';
import { schedulerService } from '@holdfast/service-scheduler';

void runService(schedulerService);
