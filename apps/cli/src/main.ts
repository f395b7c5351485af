import { Command, CommanderError } from 'commander';
import { cliVersion } from './cli-version';
import { loadCommandModules } from './command-loader';
import { printError } from './output';

async function main(argv: string[]): Promise<number> {
  const program = new Command('holdfast')
    .description('Holdfast: Microsoft 365 backup and recovery for managed service providers')
    .version(cliVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const mod of loadCommandModules(argv)) mod.register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit with code 0; usage errors were already printed by commander
      return e.exitCode;
    }
    return printError(e, argv.includes('--json'));
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = printError(e, process.argv.includes('--json'));
  },
);
