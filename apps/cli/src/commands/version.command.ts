import type { Command } from 'commander';
import { cliVersion } from '../cli-version';
import { printResult } from '../output';

export function register(program: Command): void {
  program
    .command('version')
    .description('print the version of this holdfast command')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const version = cliVersion();
      printResult(!!opts.json, { version, node: process.version }, () => `holdfast ${version} (node ${process.version})`);
    });
}
