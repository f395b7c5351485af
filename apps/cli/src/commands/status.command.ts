import type { Command } from 'commander';
import { apiClientFromEnv } from '../api-client';
import { printResult } from '../output';

interface SystemInfo {
  product: string;
  version: string;
  namespace: string;
  services: string[];
  bus: string;
  database: { name: string; serverVersion: string };
  uptimeSeconds: number;
}

export function register(program: Command): void {
  program
    .command('status')
    .description('show what the Holdfast server at HOLDFAST_URL runs (needs HOLDFAST_TOKEN)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const client = apiClientFromEnv();
      const info = await client.get<SystemInfo>('/api/v1/system/info');
      printResult(!!opts.json, info, () =>
        [
          `Holdfast ${info.version} (namespace ${info.namespace})`,
          `  services: ${info.services.join(', ')}`,
          `  bus:      ${info.bus}`,
          `  database: ${info.database.name} (PostgreSQL ${info.database.serverVersion})`,
          `  uptime:   ${info.uptimeSeconds}s`,
        ].join('\n'),
      );
    });
}
