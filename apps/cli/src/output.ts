import { HoldfastError } from '@holdfast/contracts';

/** Prints a result: JSON for scripts, or the human form. */
export function printResult(json: boolean, value: unknown, human: () => string): void {
  if (json) process.stdout.write(JSON.stringify(value) + '\n');
  else process.stdout.write(human() + '\n');
}

/** Prints an error without a stack trace and returns the exit code to use. */
export function printError(e: unknown, json: boolean): number {
  const code = e instanceof HoldfastError ? e.code : 'internal';
  const message = e instanceof Error ? e.message : String(e);
  if (json) process.stdout.write(JSON.stringify({ error: { code, message } }) + '\n');
  else process.stderr.write(`holdfast: ${message}\n`);
  if (process.env.HOLDFAST_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  return code === 'validation_failed' ? 2 : 1;
}
