import { HoldfastError } from '@holdfast/contracts';
import { DateTime, IANAZone } from 'luxon';

/**
 * A job's retention policy. Every rule that is set keeps points; a point is expired only
 * when no rule keeps it.
 *
 * - `keepLast`: the N newest points.
 * - `daily` / `weekly` / `monthly` / `yearly` (GFS): the newest point of each calendar
 *   day / ISO week (Monday first) / month / year, for that many periods counted back from
 *   the period containing `now` (the current period included), in `timeZone`.
 * - `forever`: every point is kept.
 * - `immutableDays`: points younger than this are never expired, whatever the rules say.
 *
 * The newest point is always kept (reason `latest`), so a job whose backups stopped
 * working never loses its last good copy to the calendar.
 */
export interface RetentionPolicy {
  readonly keepLast?: number;
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
  readonly yearly?: number;
  readonly forever?: boolean;
  readonly immutableDays?: number;
  /** IANA zone in which days, weeks, months and years begin. Default UTC. */
  readonly timeZone?: string;
}

export interface RetentionPoint {
  readonly id: string;
  /** ISO timestamp of the recovery point. */
  readonly time: string;
}

export type KeepReason = 'forever' | 'immutable' | 'latest' | 'last' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'future';

export type RetentionVerdict =
  | { readonly id: string; readonly time: string; readonly decision: 'keep'; readonly reasons: readonly KeepReason[] }
  | { readonly id: string; readonly time: string; readonly decision: 'expire'; readonly reasons: readonly ['not-retained'] };

const PERIOD_RULES = ['daily', 'weekly', 'monthly', 'yearly'] as const;
type PeriodRule = (typeof PERIOD_RULES)[number];
const PERIOD_UNIT: Record<PeriodRule, 'day' | 'week' | 'month' | 'year'> = {
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
  yearly: 'year',
};

/** Checks a policy; throws `validation_failed` naming the bad field. */
export function validateRetentionPolicy(policy: RetentionPolicy): RetentionPolicy {
  const counts = ['keepLast', ...PERIOD_RULES, 'immutableDays'] as const;
  for (const field of counts) {
    const value = policy[field];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0 || value > 100_000) {
      throw new HoldfastError('validation_failed', `retention policy: ${field} must be a whole number from 0 to 100000 (got ${String(value)})`, {
        field,
      });
    }
  }
  if (policy.timeZone !== undefined && !IANAZone.isValidZone(policy.timeZone)) {
    throw new HoldfastError('validation_failed', `retention policy: timeZone "${policy.timeZone}" is not an IANA time zone`, {
      field: 'timeZone',
    });
  }
  const keepsSomething =
    policy.forever === true || (policy.keepLast ?? 0) > 0 || PERIOD_RULES.some((rule) => (policy[rule] ?? 0) > 0);
  if (!keepsSomething) {
    throw new HoldfastError('validation_failed', 'retention policy: set forever, keepLast or at least one of daily/weekly/monthly/yearly', {
      field: 'policy',
    });
  }
  return policy;
}

function parseTime(time: string, what: string): DateTime {
  const parsed = DateTime.fromISO(time, { setZone: true });
  if (!parsed.isValid) throw new HoldfastError('validation_failed', `retention: ${what} "${time}" is not an ISO timestamp`);
  return parsed;
}

/**
 * Decides, for each point, whether the policy keeps it (with every reason) or expires it.
 * Pure: the same points, policy and `now` always give the same answer. Verdicts come back
 * in the order of `points`.
 */
export function evaluateRetention(points: readonly RetentionPoint[], policy: RetentionPolicy, now: string): RetentionVerdict[] {
  validateRetentionPolicy(policy);
  const zone = policy.timeZone ?? 'UTC';
  const nowTime = parseTime(now, 'now').setZone(zone);
  const nowMillis = nowTime.toMillis();

  const entries = points.map((p, index) => ({ point: p, index, time: parseTime(p.time, `time of point ${p.id}`).setZone(zone) }));
  // newest first; ties broken by id so the answer does not depend on input order
  const newestFirst = [...entries].sort((a, b) => b.time.toMillis() - a.time.toMillis() || (a.point.id < b.point.id ? 1 : a.point.id > b.point.id ? -1 : 0));
  const reasons = new Map<number, KeepReason[]>(entries.map((e) => [e.index, []]));
  const add = (index: number, reason: KeepReason) => reasons.get(index)!.push(reason);

  newestFirst.forEach((entry, rank) => {
    const millis = entry.time.toMillis();
    if (policy.forever) add(entry.index, 'forever');
    if (millis > nowMillis) add(entry.index, 'future');
    if (policy.immutableDays && millis <= nowMillis && nowMillis < entry.time.plus({ days: policy.immutableDays }).toMillis()) {
      add(entry.index, 'immutable');
    }
    if (rank === 0) add(entry.index, 'latest');
    if (policy.keepLast && rank < policy.keepLast) add(entry.index, 'last');
  });

  for (const rule of PERIOD_RULES) {
    const periods = policy[rule] ?? 0;
    if (periods <= 0) continue;
    const unit = PERIOD_UNIT[rule];
    const oldestKept = nowTime.startOf(unit).minus({ [`${unit}s`]: periods - 1 });
    const seen = new Set<string>();
    for (const entry of newestFirst) {
      if (entry.time.toMillis() > nowMillis || entry.time < oldestKept) continue;
      const bucket = entry.time.startOf(unit).toISO()!;
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      add(entry.index, rule);
    }
  }

  return entries.map(({ point, index }) => {
    const kept = reasons.get(index)!;
    return kept.length
      ? { id: point.id, time: point.time, decision: 'keep' as const, reasons: kept }
      : { id: point.id, time: point.time, decision: 'expire' as const, reasons: ['not-retained'] as const };
  });
}
