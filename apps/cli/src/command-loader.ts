import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';

export interface CommandModule {
  /** Adds one top-level command (with its subcommands) to the program. */
  register(program: Command): void;
}

/**
 * Every `commands/<name>.command.ts` file contributes the top-level command `<name>`.
 * When the first argument names one of them, only that file is loaded: commands pull
 * in whole services, and `holdfast sim start` should not pay for the backup engine.
 * Anything else (help, an unknown command) loads them all so help and errors are complete.
 */
export function loadCommandModules(argv: readonly string[] = process.argv): CommandModule[] {
  const dir = path.join(__dirname, 'commands');
  const files = readdirSync(dir)
    .filter((f) => /\.command\.(ts|js)$/.test(f))
    .sort();
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const only = first ? files.filter((f) => f.replace(/\.command\.(ts|js)$/, '') === first) : [];
  return (only.length === 1 ? only : files).map((f) => require(path.join(dir, f)) as CommandModule);
}
