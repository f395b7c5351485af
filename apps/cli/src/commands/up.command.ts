import path from 'node:path';
import type { Command } from 'commander';
import { HoldfastError } from '@holdfast/contracts';

interface UpOptions {
  json?: boolean;
  port: string;
  dataDir: string;
  host: string;
}

export function register(program: Command): void {
  program
    .command('up')
    .description('run every Holdfast service in this process (all-in-one mode)')
    .option('--port <port>', 'HTTP port of the API and portal (0 = any free port)', '8080')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'folder for the embedded database, backups, secrets and logs', './.holdfast')
    .option('--json', 'print one line of JSON {"url","token"} once everything is ready')
    .action(async (opts: UpOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new HoldfastError('validation_failed', `--port: expected a number from 0 to 65535, got "${opts.port}"`);
      }
      // with --json, stdout carries exactly one line; the rest goes to stderr
      const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`holdfast up: ${line}\n`);
      // loaded here, not at the top: every CLI command would otherwise load all services
      const { startAllInOne, closeOnSignals } = await import('../up/all-in-one');
      const started = await startAllInOne({ dataDir: path.resolve(opts.dataDir), port, host: opts.host, onChoice: say });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ url: started.url, token: started.token }) + '\n');
      } else {
        say(`ready at ${started.url} (API ${started.url}/api/v1, OpenAPI ${started.url}/api/docs)`);
        say('to use the CLI against it:');
        process.stdout.write(`  export HOLDFAST_URL=${started.url}\n  export HOLDFAST_TOKEN=${started.token}\n`);
        say('press Ctrl-C to stop');
      }
      await new Promise<void>((resolve) => {
        closeOnSignals(
          () => started.close(),
          (code) => {
            if (!opts.json) say(code === 0 ? 'stopped' : 'stopped with errors');
            process.exitCode = code;
            resolve();
          },
        );
      });
    });
}
