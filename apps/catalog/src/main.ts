// Distributed-mode entry point of the catalog service (one process or container).
import { runService } from '@holdfast/service-kit';
import { catalogService } from '@holdfast/service-catalog';

void runService(catalogService);
