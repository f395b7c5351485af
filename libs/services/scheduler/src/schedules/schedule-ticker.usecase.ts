import { createHash } from 'node:crypto';
import { HoldfastError, type JobSchedule, type RunStatus } from '@holdfast/contracts';
import type { Pool } from 'pg';
import type { RunOrchestrator } from '../runs/run-orchestrator.usecase';
import { chainedRun, evaluateSchedule } from './schedule-evaluator';

/** A stable UUID (v5 layout) for a name: the same schedule occurrence always gets the same run id. */
export function stableRunId(name: string): string {
  const h = createHash('sha1').update(`holdfast-run:${name}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface TickReport {
  readonly started: readonly { jobId: string; runId: string; dueAt: string; coalesced: number }[];
  readonly missedOutsideWindow: number;
  /** Runs stopped because their schedule window ended. */
  readonly stopped: readonly string[];
}

/**
 * Starts the runs schedules ask for. Each tick evaluates every enabled job's timed schedules
 * since their last evaluation: after downtime the missed occurrences become ONE run. Run ids
 * derive from (job, schedule, occurrence), so two scheduler instances ticking at once start
 * the run once. Chained jobs are queued when the job they follow completes and start when
 * their delay has passed.
 */
export class ScheduleTicker {
  constructor(
    private readonly pool: Pool,
    private readonly orchestrator: RunOrchestrator,
  ) {}

  async tick(now: Date): Promise<TickReport> {
    const nowIso = now.toISOString();
    const started: { jobId: string; runId: string; dueAt: string; coalesced: number }[] = [];
    let missedOutsideWindow = 0;
    const { rows: jobs } = await this.pool.query<{ tenant_id: string; job_id: string; schedules: JobSchedule[]; created_at: Date; clocks: Record<string, string> | null }>(
      `SELECT j.tenant_id, j.job_id, j.schedules, j.created_at,
              (SELECT jsonb_object_agg(c.schedule_index::text, c.last_evaluated_at) FROM scheduler.schedule_clock c WHERE c.job_id = j.job_id) AS clocks
         FROM scheduler.jobs j WHERE j.enabled AND NOT j.deleted`,
    );
    for (const job of jobs) {
      for (const [index, schedule] of job.schedules.entries()) {
        const last = job.clocks?.[String(index)] ?? job.created_at.toISOString();
        const evaluation = evaluateSchedule(schedule, new Date(last).toISOString(), nowIso);
        missedOutsideWindow += evaluation.missedOutsideWindow;
        if (evaluation.due) {
          const runId = stableRunId(`${job.job_id}:${index}:${evaluation.due.dueAt}`);
          if (
            await this.start(job.tenant_id, {
              jobId: job.job_id,
              runId,
              scheduleIndex: index,
              dueAt: evaluation.due.dueAt,
              ...(evaluation.due.deadline ? { deadline: evaluation.due.deadline } : {}),
            })
          ) {
            started.push({ jobId: job.job_id, runId, dueAt: evaluation.due.dueAt, coalesced: evaluation.due.coalesced });
          }
        }
        await this.pool.query(
          `INSERT INTO scheduler.schedule_clock (job_id, schedule_index, last_evaluated_at) VALUES ($1, $2, $3)
           ON CONFLICT (job_id, schedule_index) DO UPDATE SET last_evaluated_at = GREATEST(scheduler.schedule_clock.last_evaluated_at, EXCLUDED.last_evaluated_at)`,
          [job.job_id, index, nowIso],
        );
      }
    }
    // chained runs whose delay has passed
    const { rows: pending } = await this.pool.query<{ tenant_id: string; run_id: string; job_id: string; schedule_index: number; due_at: Date }>(
      'SELECT tenant_id, run_id, job_id, schedule_index, due_at FROM scheduler.pending_runs WHERE due_at <= $1 ORDER BY due_at',
      [nowIso],
    );
    for (const p of pending) {
      const dueAt = p.due_at.toISOString();
      if (await this.start(p.tenant_id, { jobId: p.job_id, runId: p.run_id, scheduleIndex: p.schedule_index, dueAt, trigger: 'chain' })) {
        started.push({ jobId: p.job_id, runId: p.run_id, dueAt, coalesced: 1 });
      }
      await this.pool.query('DELETE FROM scheduler.pending_runs WHERE run_id = $1', [p.run_id]);
    }
    // runs still going at the end of their schedule window are stopped
    const stopped: string[] = [];
    const { rows: late } = await this.pool.query<{ tenant_id: string; run_id: string }>(
      'SELECT tenant_id, run_id FROM scheduler.run_deadlines WHERE deadline <= $1',
      [nowIso],
    );
    for (const r of late) {
      const state = await this.orchestrator.stop(r.tenant_id, r.run_id, 'schedule-window');
      if (state.status === 'completed' && state.completedStatus === 'stopped') stopped.push(r.run_id);
      await this.pool.query('DELETE FROM scheduler.run_deadlines WHERE run_id = $1', [r.run_id]);
    }
    return { started, missedOutsideWindow, stopped };
  }

  /** Queues the runs of jobs chained after a job whose run just completed. */
  async onRunCompleted(tenantId: string, completed: { jobId: string; runId: string; status: RunStatus; completedAt: string }): Promise<string[]> {
    const { rows } = await this.pool.query<{ job_id: string; schedules: JobSchedule[] }>(
      `SELECT job_id, schedules FROM scheduler.jobs WHERE tenant_id = $1 AND enabled AND NOT deleted
         AND schedules @> $2::jsonb`,
      [tenantId, JSON.stringify([{ kind: 'after-job', jobId: completed.jobId }])],
    );
    const queued: string[] = [];
    for (const job of rows) {
      for (const [index, schedule] of job.schedules.entries()) {
        const due = chainedRun(schedule, completed);
        if (!due) continue;
        const runId = stableRunId(`${job.job_id}:${index}:after:${completed.runId}`);
        await this.pool.query(
          `INSERT INTO scheduler.pending_runs (tenant_id, run_id, job_id, schedule_index, due_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [tenantId, runId, job.job_id, index, due.dueAt],
        );
        queued.push(runId);
      }
    }
    return queued;
  }

  private async start(
    tenantId: string,
    run: { jobId: string; runId: string; scheduleIndex: number; dueAt: string; deadline?: string; trigger?: 'schedule' | 'chain' },
  ): Promise<boolean> {
    try {
      await this.orchestrator.startRun({ tenantId, trigger: run.trigger ?? 'schedule', requestedBy: 'scheduler', ...run });
      return true;
    } catch (error) {
      // another instance started it already, or the job went away meanwhile
      if (error instanceof HoldfastError && (error.code === 'already_exists' || error.code === 'not_found' || error.code === 'conflict')) return false;
      throw error;
    }
  }
}
