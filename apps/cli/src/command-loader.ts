import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';

export interface CommandModule {
  /** Adds one top-level command (with its subcommands) to the program. */
  register(program: Command): void;
}

/** Every `commands/*.command.ts` file contributes one top-level command. */
export function loadCommandModules(): CommandModule[] {
  const dir = path.join(__dirname, 'commands');
  return readdirSync(dir)
    .filter((f) => /\.command\.(ts|js)$/.test(f))
    .sort()
    .map((f) => require(path.join(dir, f)) as CommandModule);
}
