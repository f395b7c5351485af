import type { JobDestination, JobSource, RunObject } from '@holdfast/contracts';
import type { RunState } from './run.decider';

/** A mailbox the inventory knows, as the planner needs it. */
export interface PlannableObject {
  readonly objectId: string;
  readonly address?: string;
}

/**
 * The objects a run backs up, in priority order: for a `mailboxes` source the order the job
 * lists them, otherwise the order the inventory resolved them; exclusions (by id or address,
 * case-insensitive) removed; each with its repository (a per-mailbox override or the default).
 */
export function planRunObjects(source: JobSource, destination: JobDestination, resolved: readonly PlannableObject[]): RunObject[] {
  const norm = (s: string) => s.toLowerCase();
  const excluded = new Set(source.exclude.map(norm));
  const overrides = new Map(destination.overrides.map((o) => [norm(o.object), o.repository]));
  const matches = (o: PlannableObject, key: string) => norm(o.objectId) === key || (o.address !== undefined && norm(o.address) === key);

  let ordered: PlannableObject[];
  if (source.kind === 'mailboxes') {
    ordered = [];
    for (const wanted of source.mailboxes) {
      const key = norm(wanted);
      ordered.push(resolved.find((o) => matches(o, key)) ?? { objectId: wanted, ...(wanted.includes('@') ? { address: wanted } : {}) });
    }
  } else {
    ordered = [...resolved];
  }
  const seen = new Set<string>();
  const out: RunObject[] = [];
  for (const o of ordered) {
    if (seen.has(norm(o.objectId))) continue;
    seen.add(norm(o.objectId));
    if (excluded.has(norm(o.objectId)) || (o.address && excluded.has(norm(o.address)))) continue;
    const repository = overrides.get(norm(o.objectId)) ?? (o.address ? overrides.get(norm(o.address)) : undefined) ?? destination.repository;
    out.push({ objectId: o.objectId, ...(o.address ? { address: o.address } : {}), repository });
  }
  return out;
}

/**
 * Objects whose task should be on the work queue now: the first `concurrency` objects still
 * pending, in priority order. Settled objects free their slot for the next one.
 */
export function objectsToDispatch(state: RunState, concurrency: number): { objectId: string; repository: string; round: number }[] {
  if (state.status !== 'running' || state.stopRequested) return [];
  return state.objects
    .filter((o) => o.result.outcome === 'pending')
    .slice(0, Math.max(1, concurrency))
    .map((o) => ({ objectId: o.objectId, repository: o.repository, round: o.round }));
}
