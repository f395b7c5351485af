// Distributed-mode entry point of the auth service (one process or container).
import { runService } from '@holdfast/service-kit';
import { authService } from '@holdfast/service-auth';

void runService(authService);
