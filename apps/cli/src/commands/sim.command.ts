import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const SIM_MAIN = path.join(REPO_ROOT, 'apps/m365-sim/src/main.ts');
const TS_RUN = path.join(REPO_ROOT, 'bin/ts-run.js');

/**
 * Runs the simulator entry point as a child process (apps never import apps), forwarding
 * stdio and signals; resolves with its exit code.
 */
export function runSimulator(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TS_RUN, SIM_MAIN, ...args], { stdio: 'inherit', cwd: REPO_ROOT });
    const forward = (sig: NodeJS.Signals) => () => {
      if (child.exitCode === null) child.kill(sig);
    };
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    const onHup = forward('SIGHUP');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
    });
  });
}

/** Raw arguments after `sim <sub>` (commander would otherwise drop or reject unknown ones). */
function rawArgsAfter(sub: string): string[] {
  const argv = process.argv;
  const i = argv.indexOf('sim');
  const j = i >= 0 ? argv.indexOf(sub, i + 1) : -1;
  return j >= 0 ? argv.slice(j + 1) : [];
}

export function register(program: Command): void {
  const sim = program.command('sim').description('the Microsoft 365 simulator (Entra ID + Microsoft Graph) for development, tests and demos');

  const passThrough = (name: string, description: string, usage: string) =>
    sim
      .command(name)
      .description(description)
      .usage(usage)
      .allowUnknownOption()
      .allowExcessArguments()
      .helpOption(false)
      .argument('[args...]')
      .action(async () => {
        process.exitCode = await runSimulator([name, ...rawArgsAfter(name)]);
      });

  sim
    .command('start')
    .description('serve the simulator in the foreground; prints one JSON line with the connection details once it serves')
    .requiredOption('--state-dir <dir>', 'state folder (same folder = same world after restart)')
    .option('--port <n>', 'HTTPS port (0 = any free port)', '0')
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--seed <n>', 'world seed')
    .option('--users <n>', 'users in the primary tenant')
    .option('--messages-per-user <n>', 'messages per mailbox')
    .option('--size <key=value...>', 'other sizes for the modules (e.g. filesPerDrive=50)')
    .option('--throttle <mode>', 'off | realistic', 'realistic')
    .option('--time-scale <x>', 'shrink throttling windows and Retry-After by x', '1')
    .option('--fault <kind=rate...>', 'inject faults: 429, 500, 502, 503, 504, reset, slow, truncate, vanish')
    .option('--fault-seed <n>', 'seed of the fault injector')
    .option('--modules <list>', 'load only these modules (comma separated)')
    .allowUnknownOption()
    .action(async () => {
      process.exitCode = await runSimulator(['start', ...rawArgsAfter('start')]);
    });

  sim
    .command('info')
    .description('connection details and tenants of a state dir (asks the running simulator when there is one)')
    .requiredOption('--state-dir <dir>', 'state folder')
    .option('--json', 'print JSON')
    .action(async () => {
      process.exitCode = await runSimulator(['info', ...rawArgsAfter('info')]);
    });

  sim
    .command('metrics')
    .description('request metrics of the simulator running on a state dir')
    .requiredOption('--state-dir <dir>', 'state folder')
    .option('--json', 'print JSON')
    .action(async () => {
      process.exitCode = await runSimulator(['metrics', ...rawArgsAfter('metrics')]);
    });

  passThrough('import-eml', 'import .eml files into a simulated mailbox (exchange module)', '--state-dir DIR [options] FILES...');
  passThrough('import-files', 'import local files into a simulated drive or site (files module)', '--state-dir DIR [options] PATHS...');
}
