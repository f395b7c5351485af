import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The scheduler service's tables live in its own Postgres schema `scheduler`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const schedulerMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS scheduler' },
  {
    name: '0002_dispatched_tasks',
    up: `CREATE TABLE scheduler.dispatched_tasks (
      tenant_id text NOT NULL,
      dedupe_id text NOT NULL,
      run_id text NOT NULL,
      object_id text NOT NULL,
      dispatched_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, dedupe_id)
    )`,
  },
  {
    name: '0003_jobs_and_schedule_clock',
    up: `CREATE TABLE scheduler.jobs (
      tenant_id text NOT NULL,
      job_id text PRIMARY KEY,
      organization_id text NOT NULL,
      name text NOT NULL,
      enabled boolean NOT NULL,
      deleted boolean NOT NULL DEFAULT false,
      schedules jsonb NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE TABLE scheduler.schedule_clock (
      job_id text NOT NULL,
      schedule_index integer NOT NULL,
      last_evaluated_at timestamptz NOT NULL,
      PRIMARY KEY (job_id, schedule_index)
    );
    CREATE TABLE scheduler.pending_runs (
      tenant_id text NOT NULL,
      run_id text PRIMARY KEY,
      job_id text NOT NULL,
      schedule_index integer NOT NULL,
      due_at timestamptz NOT NULL
    )`,
  },
  {
    name: '0004_run_deadlines',
    up: `CREATE TABLE scheduler.run_deadlines (
      tenant_id text NOT NULL,
      run_id text PRIMARY KEY,
      deadline timestamptz NOT NULL
    )`,
  },
];
