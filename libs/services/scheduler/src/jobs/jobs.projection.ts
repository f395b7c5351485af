import { defineProjection, registerProjection } from '@holdfast/event-store';

/** The scheduler's own list of jobs and their schedules (what the ticker scans). */
export const schedulerJobsProjection = defineProjection({
  name: 'scheduler.jobs',
  handles: ['JobCreated', 'JobUpdated', 'JobEnabled', 'JobDisabled', 'JobDeleted'],
  tables: ['scheduler.jobs', 'scheduler.schedule_clock'],
  async handle(events, tx) {
    for (const e of events) {
      const d = e.data as Record<string, unknown>;
      switch (e.type) {
        case 'JobCreated':
          await tx.query(
            `INSERT INTO scheduler.jobs (tenant_id, job_id, organization_id, name, enabled, schedules, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job_id) DO NOTHING`,
            [e.tenantId, d.jobId, d.organizationId, d.name, d.enabled, JSON.stringify(d.schedules), d.createdAt],
          );
          break;
        case 'JobUpdated':
          if (d.name !== undefined) await tx.query('UPDATE scheduler.jobs SET name = $2 WHERE job_id = $1', [d.jobId, d.name]);
          if (d.schedules !== undefined) {
            await tx.query('UPDATE scheduler.jobs SET schedules = $2 WHERE job_id = $1', [d.jobId, JSON.stringify(d.schedules)]);
            // changed schedules start counting from the change, not from the old clock
            await tx.query('DELETE FROM scheduler.schedule_clock WHERE job_id = $1', [d.jobId]);
            await tx.query('UPDATE scheduler.jobs SET created_at = $2 WHERE job_id = $1', [d.jobId, d.updatedAt]);
          }
          break;
        case 'JobEnabled':
          await tx.query('UPDATE scheduler.jobs SET enabled = true WHERE job_id = $1', [d.jobId]);
          // missed occurrences while disabled are not caught up
          await tx.query('UPDATE scheduler.schedule_clock SET last_evaluated_at = GREATEST(last_evaluated_at, $2) WHERE job_id = $1', [d.jobId, d.at]);
          break;
        case 'JobDisabled':
          await tx.query('UPDATE scheduler.jobs SET enabled = false WHERE job_id = $1', [d.jobId]);
          break;
        case 'JobDeleted':
          await tx.query('UPDATE scheduler.jobs SET deleted = true, enabled = false WHERE job_id = $1', [d.jobId]);
          break;
        default:
          break;
      }
    }
  },
});
registerProjection(schedulerJobsProjection);
