import {
  FailedObjectsRetried,
  HoldfastError,
  ObjectBackedUp,
  ObjectFailed,
  ObjectSkipped,
  RUN_PLAN_CHUNK,
  RunCompleted,
  RunObjectsPlanned,
  RunRequested,
  RunStopRequested,
  type EventOf,
  type RunObject,
  type RunStatus,
} from '@holdfast/contracts';
import type { Decider } from '@holdfast/event-store';

/** Stream of one run. */
export const runStreamId = (runId: string) => `run-${runId}`;

/** Skip reason of objects left unfinished by a stop. */
export const STOPPED_REASON = 'run stopped';

type RequestRunData = EventOf<typeof RunRequested>['data'];

export type RunCommand =
  | { type: 'RequestRun'; data: Omit<RequestRunData, 'requestedAt'> & { at: string } }
  | { type: 'PlanObjects'; data: { runId: string; objects: readonly RunObject[]; last: boolean; at: string } }
  | {
      type: 'RecordObjectBackedUp';
      data: { runId: string; objectId: string; recoveryPointId: string; items: number; skippedItems: number; bytes: number; at: string };
    }
  | { type: 'RecordObjectFailed'; data: { runId: string; objectId: string; reason: string; at: string } }
  | { type: 'RecordObjectSkipped'; data: { runId: string; objectId: string; reason: string; at: string } }
  | { type: 'StopRun'; data: { runId: string; requestedBy: string; at: string } }
  | { type: 'RetryFailedObjects'; data: { runId: string; requestedBy: string; at: string } };

export type RunEvent =
  | EventOf<typeof RunRequested>
  | EventOf<typeof RunObjectsPlanned>
  | EventOf<typeof ObjectBackedUp>
  | EventOf<typeof ObjectFailed>
  | EventOf<typeof ObjectSkipped>
  | EventOf<typeof RunStopRequested>
  | EventOf<typeof FailedObjectsRetried>
  | EventOf<typeof RunCompleted>;

export type ObjectOutcome =
  | { readonly outcome: 'pending' }
  | { readonly outcome: 'backed-up'; readonly recoveryPointId: string; readonly bytes: number }
  | { readonly outcome: 'failed'; readonly reason: string }
  | { readonly outcome: 'skipped'; readonly reason: string };

export interface RunObjectState extends RunObject {
  readonly result: ObjectOutcome;
  /** 0 for the first attempt, +1 for each retry of failed objects (part of the task dedupe id). */
  readonly round: number;
}

export type RunState =
  | { readonly status: 'empty' }
  | {
      readonly status: 'running' | 'completed';
      readonly runId: string;
      readonly jobId: string;
      readonly organizationId: string;
      readonly deadline?: string;
      readonly planComplete: boolean;
      /** In priority order. */
      readonly objects: readonly RunObjectState[];
      readonly stopRequested: boolean;
      readonly completedStatus?: RunStatus;
    };

type Started = Extract<RunState, { status: 'running' | 'completed' }>;

function requireRun(state: RunState, runId: string): Started {
  if (state.status === 'empty') throw new HoldfastError('not_found', `no run ${runId}`, { runId });
  return state;
}

function requireObject(state: Started, objectId: string): RunObjectState {
  const found = state.objects.find((o) => o.objectId === objectId);
  if (!found) throw new HoldfastError('not_found', `object ${objectId} is not part of run ${state.runId}`, { runId: state.runId, objectId });
  return found;
}

/** Applies events to the state to decide on what follows them (completion). */
function fold(state: Started, events: readonly RunEvent[]): Started {
  return events.reduce((s, e) => runDecider.evolve(s, e) as Started, state);
}

/** RunCompleted when every object has an outcome and nothing more is planned. */
function completionIfDone(state: Started, at: string): RunEvent[] {
  if (state.status !== 'running' || !state.planComplete) return [];
  if (state.objects.some((o) => o.result.outcome === 'pending')) return [];
  const count = (outcome: ObjectOutcome['outcome']) => state.objects.filter((o) => o.result.outcome === outcome).length;
  const backedUp = count('backed-up');
  const failed = count('failed');
  const skipped = count('skipped');
  const bytes = state.objects.reduce((sum, o) => sum + (o.result.outcome === 'backed-up' ? o.result.bytes : 0), 0);
  const status: RunStatus = state.stopRequested ? 'stopped' : failed === 0 ? 'success' : backedUp === 0 ? 'failed' : 'partial';
  return [RunCompleted.create({ runId: state.runId, jobId: state.jobId, status, backedUp, failed, skipped, bytes, completedAt: at })];
}

/** Decides an object outcome; repeated reports of a settled object change nothing (redelivery). */
function recordOutcome(state: Started, objectId: string, event: RunEvent, at: string): RunEvent[] {
  const object = requireObject(state, objectId);
  const lateSuccessAfterStop =
    event.type === 'ObjectBackedUp' && object.result.outcome === 'skipped' && object.result.reason === STOPPED_REASON;
  if (object.result.outcome !== 'pending' && !lateSuccessAfterStop) return [];
  if (state.status === 'completed' && !lateSuccessAfterStop) return [];
  return [event, ...completionIfDone(fold(state, [event]), at)];
}

export const runDecider: Decider<RunCommand, RunEvent, RunState> = {
  initialState: () => ({ status: 'empty' }),

  decide(command, state) {
    switch (command.type) {
      case 'RequestRun': {
        if (state.status !== 'empty') throw new HoldfastError('already_exists', `run ${command.data.runId} already exists`);
        const { at, ...data } = command.data;
        return [RunRequested.create({ ...data, requestedAt: at })];
      }
      case 'PlanObjects': {
        const run = requireRun(state, command.data.runId);
        if (run.stopRequested) return [];
        if (run.planComplete) throw new HoldfastError('conflict', `run ${run.runId} is already planned`);
        const known = new Set(run.objects.map((o) => o.objectId));
        const fresh: RunObject[] = [];
        for (const o of command.data.objects) {
          if (known.has(o.objectId)) continue;
          known.add(o.objectId);
          fresh.push(o);
        }
        const events: RunEvent[] = [];
        for (let i = 0; i < fresh.length; i += RUN_PLAN_CHUNK) {
          const chunk = fresh.slice(i, i + RUN_PLAN_CHUNK);
          events.push(RunObjectsPlanned.create({ runId: run.runId, objects: chunk, last: command.data.last && i + RUN_PLAN_CHUNK >= fresh.length }));
        }
        if (events.length === 0) events.push(RunObjectsPlanned.create({ runId: run.runId, objects: [], last: command.data.last }));
        return [...events, ...completionIfDone(fold(run, events), command.data.at)];
      }
      case 'RecordObjectBackedUp': {
        const run = requireRun(state, command.data.runId);
        return recordOutcome(run, command.data.objectId, ObjectBackedUp.create(command.data), command.data.at);
      }
      case 'RecordObjectFailed': {
        const run = requireRun(state, command.data.runId);
        return recordOutcome(run, command.data.objectId, ObjectFailed.create(command.data), command.data.at);
      }
      case 'RecordObjectSkipped': {
        const run = requireRun(state, command.data.runId);
        return recordOutcome(run, command.data.objectId, ObjectSkipped.create(command.data), command.data.at);
      }
      case 'StopRun': {
        const run = requireRun(state, command.data.runId);
        if (run.status === 'completed' || run.stopRequested) return [];
        const { at } = command.data;
        const events: RunEvent[] = [RunStopRequested.create(command.data)];
        for (const o of run.objects) {
          if (o.result.outcome === 'pending') events.push(ObjectSkipped.create({ runId: run.runId, objectId: o.objectId, reason: STOPPED_REASON, at }));
        }
        // a stopped run plans nothing more
        const stopped = { ...fold(run, events), planComplete: true };
        return [...events, ...completionIfDone(stopped, at)];
      }
      case 'RetryFailedObjects': {
        const run = requireRun(state, command.data.runId);
        if (run.status !== 'completed') throw new HoldfastError('conflict', `run ${run.runId} is still running; retry after it completes`);
        const failed = run.objects.filter((o) => o.result.outcome === 'failed').map((o) => o.objectId);
        if (failed.length === 0) throw new HoldfastError('conflict', `run ${run.runId} has no failed objects to retry`);
        return [FailedObjectsRetried.create({ runId: run.runId, objectIds: failed, requestedBy: command.data.requestedBy, at: command.data.at })];
      }
      default: {
        const unknown: never = command;
        throw new HoldfastError('validation_failed', `unknown run command ${JSON.stringify(unknown)}`);
      }
    }
  },

  evolve(state, event) {
    if (event.type === 'RunRequested') {
      const d = event.data;
      return {
        status: 'running',
        runId: d.runId,
        jobId: d.jobId,
        organizationId: d.organizationId,
        ...(d.deadline ? { deadline: d.deadline } : {}),
        planComplete: false,
        objects: [],
        stopRequested: false,
      };
    }
    if (state.status === 'empty') return state;
    const setOutcome = (objectId: string, result: ObjectOutcome): RunState => ({
      ...state,
      objects: state.objects.map((o) => (o.objectId === objectId ? { ...o, result } : o)),
    });
    switch (event.type) {
      case 'RunObjectsPlanned':
        return {
          ...state,
          planComplete: state.planComplete || event.data.last,
          objects: [...state.objects, ...event.data.objects.map((o) => ({ ...o, result: { outcome: 'pending' as const }, round: 0 }))],
        };
      case 'ObjectBackedUp':
        return setOutcome(event.data.objectId, { outcome: 'backed-up', recoveryPointId: event.data.recoveryPointId, bytes: event.data.bytes });
      case 'ObjectFailed':
        return setOutcome(event.data.objectId, { outcome: 'failed', reason: event.data.reason });
      case 'ObjectSkipped':
        return setOutcome(event.data.objectId, { outcome: 'skipped', reason: event.data.reason });
      case 'RunStopRequested':
        return { ...state, stopRequested: true, planComplete: true };
      case 'FailedObjectsRetried': {
        const retried = new Set(event.data.objectIds);
        const { completedStatus: _previous, ...rest } = state;
        return {
          ...rest,
          status: 'running',
          objects: state.objects.map((o) => (retried.has(o.objectId) ? { ...o, result: { outcome: 'pending' as const }, round: o.round + 1 } : o)),
        };
      }
      case 'RunCompleted':
        return { ...state, status: 'completed', completedStatus: event.data.status };
      default:
        return state;
    }
  },
};

/** Dedupe id of one object task on the work queue: `run:object` (a retry round adds `:rN`). */
export function taskDedupeId(runId: string, objectId: string, round = 0): string {
  return round === 0 ? `${runId}:${objectId}` : `${runId}:${objectId}:r${round}`;
}
