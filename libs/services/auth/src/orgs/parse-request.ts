import { HoldfastError } from '@holdfast/contracts';
import type { z } from 'zod';

/** Validates a request payload; a bad one is refused naming each wrong field. */
export function parseRequest<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const r = schema.safeParse(payload ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`);
  throw new HoldfastError('validation_failed', problems.join('; '), { fields: r.error.issues.map((i) => i.path.join('.')) });
}
