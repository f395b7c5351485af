import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line of one request (or one handled message) carries. */
export interface RequestContext {
  readonly correlationId: string;
  tenantId?: string;
  runId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs fn with a request context; logs written inside carry its fields. */
export function runWithRequestContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Records the tenant once authentication knows it, so later log lines carry it. */
export function setRequestTenant(tenantId: string): void {
  const ctx = storage.getStore();
  if (ctx) ctx.tenantId = tenantId;
}
