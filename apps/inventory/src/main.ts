// Distributed-mode entry point of the inventory service (one process or container).
import { runService } from '@holdfast/service-kit';
import { inventoryService } from '@holdfast/service-inventory';

void runService(inventoryService);
