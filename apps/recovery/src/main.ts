// Distributed-mode entry point of the recovery service (one process or container).
import { runService } from '@holdfast/service-kit';
import { recoveryService } from '@holdfast/service-recovery';

void runService(recoveryService);
