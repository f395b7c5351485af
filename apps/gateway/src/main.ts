// Distributed-mode entry point of the gateway service (one process or container).
import { runService } from '@holdfast/service-kit';
import { gatewayService } from '@holdfast/service-gateway';

void runService(gatewayService);
