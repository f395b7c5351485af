/**
 * Throttling as graph-facts.md describes it. Windows are sliding (bucketed) and shrink by
 * --time-scale so benchmarks see the same shape faster. Retry-After may be fractional.
 */
import type { ThrottleScope } from './sim-types';

export interface ThrottleLimits {
  outlookRequests: number; // per app+mailbox per outlookWindowMs
  outlookWindowMs: number;
  outlookConcurrency: number;
  outlookUploadBytes: number; // per app+mailbox per uploadWindowMs
  outlookUploadWindowMs: number;
  sharepointWindowMs: number; // RU budget per minute by licences
  sharepointUserRequests: number;
  sharepointUserWindowMs: number;
  teamsPerSecond: { message: number; getAllMessages: number; other: number };
  teamsResourcePerSecond: number;
  globalAppRequests: number;
  globalAppWindowMs: number;
}

export const REALISTIC: ThrottleLimits = {
  outlookRequests: 10_000,
  outlookWindowMs: 10 * 60_000,
  outlookConcurrency: 4,
  outlookUploadBytes: 150 * 1024 * 1024,
  outlookUploadWindowMs: 5 * 60_000,
  sharepointWindowMs: 60_000,
  sharepointUserRequests: 3_000,
  sharepointUserWindowMs: 5 * 60_000,
  teamsPerSecond: { message: 20, getAllMessages: 200, other: 30 },
  teamsResourcePerSecond: 4,
  globalAppRequests: 130_000,
  globalAppWindowMs: 10_000,
};

/** SharePoint RU per minute by licence count. */
export function sharepointBudget(licences: number): number {
  if (licences <= 1000) return 1250;
  if (licences <= 5000) return 2500;
  if (licences <= 15000) return 3750;
  if (licences <= 50000) return 5000;
  return 6250;
}

/** Sliding window made of 20 buckets. */
class Window {
  private readonly buckets: Float64Array;
  private readonly starts: Float64Array;
  private readonly size: number;

  constructor(readonly windowMs: number) {
    this.buckets = new Float64Array(20);
    this.starts = new Float64Array(20).fill(-Infinity);
    this.size = windowMs / 20;
  }

  private slot(now: number): number {
    const idx = Math.floor(now / this.size);
    const k = idx % 20;
    const start = idx * this.size;
    if (this.starts[k] !== start) {
      this.starts[k] = start;
      this.buckets[k] = 0;
    }
    return k;
  }

  total(now: number): number {
    let t = 0;
    for (let k = 0; k < 20; k++) if (this.starts[k] > now - this.windowMs) t += this.buckets[k];
    return t;
  }

  add(now: number, n: number): void {
    this.buckets[this.slot(now)] += n;
  }

  /** Ms until the total drops to at most limit - need. */
  waitMs(now: number, limit: number, need: number): number {
    let total = this.total(now);
    if (total + need <= limit) return 0;
    const order = [...Array(20).keys()].filter((k) => this.starts[k] > now - this.windowMs).sort((a, b) => this.starts[a] - this.starts[b]);
    for (const k of order) {
      total -= this.buckets[k];
      if (total + need <= limit) return Math.max(1, this.starts[k] + this.windowMs - now);
    }
    return this.windowMs;
  }
}

export interface Admitted {
  ok: true;
  headers: Record<string, string>;
  release(): void;
}

export interface Throttled {
  ok: false;
  status: 429 | 503;
  retryAfterSeconds: number;
  code: string;
  message: string;
  headers: Record<string, string>;
  scope: string;
}

export interface ThrottleMetrics {
  throttled: number;
  throttledByReason: Record<string, number>;
  peakConcurrencyByMailbox: Record<string, number>;
}

export class ThrottleEngine {
  mode: 'off' | 'realistic';
  private readonly windows = new Map<string, Window>();
  private readonly concurrency = new Map<string, number>();
  readonly metrics: ThrottleMetrics = { throttled: 0, throttledByReason: {}, peakConcurrencyByMailbox: {} };
  limits: ThrottleLimits;

  constructor(mode: 'off' | 'realistic', private timeScale: number, limits: Partial<ThrottleLimits> = {}) {
    this.mode = mode;
    this.limits = { ...REALISTIC, ...limits };
  }

  setTimeScale(x: number): void {
    this.timeScale = x;
    this.windows.clear();
  }

  get scale(): number {
    return this.timeScale;
  }

  private win(key: string, ms: number): Window {
    const scaled = ms / this.timeScale;
    let w = this.windows.get(key);
    if (!w || w.windowMs !== scaled) {
      w = new Window(scaled);
      this.windows.set(key, w);
    }
    return w;
  }

  private throttled(reason: string, scope: string, waitMs: number, code = 'TooManyRequests', message = 'Please retry again later.', extra: Record<string, string> = {}): Throttled {
    this.metrics.throttled++;
    this.metrics.throttledByReason[reason] = (this.metrics.throttledByReason[reason] ?? 0) + 1;
    const secs = Math.max(0.001, Math.round(waitMs) / 1000);
    return {
      ok: false,
      status: 429,
      retryAfterSeconds: secs,
      code,
      message,
      scope,
      headers: { 'Retry-After': String(secs), 'x-ms-throttle-scope': scope, 'x-ms-throttle-information': reason, ...extra },
    };
  }

  /**
   * Checks and counts a request. `licences` is the tenant's licence count (SharePoint budget).
   * Always call release() of an admitted request when its answer is finished.
   */
  admit(appId: string, tenantId: string, licences: number, scopes: ThrottleScope[], now = performance.now()): Admitted | Throttled {
    const concurrencyKeys: string[] = [];
    const L = this.limits;
    const releaseAll = () => {
      for (const k of concurrencyKeys) this.concurrency.set(k, (this.concurrency.get(k) ?? 1) - 1);
    };
    const headers: Record<string, string> = {};
    // concurrency is tracked even with throttling off, for metrics
    for (const s of scopes) {
      if (s.kind !== 'outlook') continue;
      const key = `${appId}|${s.mailbox.toLowerCase()}`;
      const cur = this.concurrency.get(key) ?? 0;
      if (this.mode === 'realistic' && cur >= L.outlookConcurrency) {
        releaseAll();
        return this.throttled('MailboxConcurrency', `Mailbox/Application/${appId}`, 1000 / this.timeScale, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.');
      }
      this.concurrency.set(key, cur + 1);
      concurrencyKeys.push(key);
      const peak = this.metrics.peakConcurrencyByMailbox[s.mailbox] ?? 0;
      if (cur + 1 > peak) this.metrics.peakConcurrencyByMailbox[s.mailbox] = cur + 1;
    }
    if (this.mode === 'off') return { ok: true, headers, release: releaseAll };

    const fail = (t: Throttled): Throttled => {
      releaseAll();
      return t;
    };
    // global app limit
    const g = this.win(`g|${appId}`, L.globalAppWindowMs);
    if (g.total(now) + 1 > L.globalAppRequests) return fail(this.throttled('ApplicationRequests', `Application/${appId}`, g.waitMs(now, L.globalAppRequests, 1)));
    const counted: (() => void)[] = [() => g.add(now, 1)];
    for (const s of scopes) {
      if (s.kind === 'outlook') {
        const key = `${appId}|${s.mailbox.toLowerCase()}`;
        const w = this.win(`o|${key}`, L.outlookWindowMs);
        if (w.total(now) + 1 > L.outlookRequests) return fail(this.throttled('MailboxRequests', `Mailbox/Application/${appId}`, w.waitMs(now, L.outlookRequests, 1)));
        counted.push(() => w.add(now, 1));
        if (s.uploadBytes) {
          const u = this.win(`u|${key}`, L.outlookUploadWindowMs);
          if (u.total(now) + s.uploadBytes > L.outlookUploadBytes)
            return fail(
              this.throttled('IncomingBytes', `Mailbox/Application/${appId}`, u.waitMs(now, L.outlookUploadBytes, s.uploadBytes), 'ApplicationThrottled', 'Application is over its IncomingBytes limit.'),
            );
          counted.push(() => u.add(now, s.uploadBytes!));
        }
      } else if (s.kind === 'sharepoint') {
        const budget = sharepointBudget(licences);
        const w = this.win(`s|${appId}|${tenantId}`, L.sharepointWindowMs);
        const used = w.total(now);
        if (used + s.ru > budget) {
          w.add(now, s.ru); // throttled requests still count
          return fail(
            this.throttled('ResourceUnits', `Tenant/Application/${appId}`, w.waitMs(now, budget, s.ru), 'activityLimitReached', 'The request has been throttled', {
              'RateLimit-Limit': String(budget),
              'RateLimit-Remaining': '0',
              'RateLimit-Reset': String(Math.ceil(w.waitMs(now, budget, s.ru) / 1000)),
              'x-ms-resource-unit': String(s.ru),
            }),
          );
        }
        counted.push(() => w.add(now, s.ru));
        headers['x-ms-resource-unit'] = String(s.ru);
        if (used + s.ru > 0.8 * budget) {
          headers['RateLimit-Limit'] = String(budget);
          headers['RateLimit-Remaining'] = String(Math.max(0, Math.floor(budget - used - s.ru)));
          headers['RateLimit-Reset'] = String(Math.max(1, Math.ceil(w.waitMs(now, budget * 0.8, 0) / 1000)));
        }
        if (s.user) {
          const uw = this.win(`su|${appId}|${s.user}`, L.sharepointUserWindowMs);
          if (uw.total(now) + 1 > L.sharepointUserRequests) {
            uw.add(now, 1);
            return fail(this.throttled('UserRequests', `User/Application/${appId}`, uw.waitMs(now, L.sharepointUserRequests, 1), 'activityLimitReached', 'The request has been throttled'));
          }
          counted.push(() => uw.add(now, 1));
        }
      } else if (s.kind === 'teams') {
        const lim = L.teamsPerSecond[s.bucket];
        const w = this.win(`t|${appId}|${tenantId}|${s.bucket}`, 1000);
        if (w.total(now) + 1 > lim) return fail(this.throttled('TeamsRequests', `Tenant/Application/${appId}`, w.waitMs(now, lim, 1)));
        counted.push(() => w.add(now, 1));
        if (s.resource) {
          const rw = this.win(`tr|${appId}|${s.resource}`, 1000);
          if (rw.total(now) + 1 > L.teamsResourcePerSecond) return fail(this.throttled('TeamsResource', `Resource/Application/${appId}`, rw.waitMs(now, L.teamsResourcePerSecond, 1)));
          counted.push(() => rw.add(now, 1));
        }
      }
    }
    for (const c of counted) c();
    return { ok: true, headers, release: releaseAll };
  }

  reset(): void {
    this.windows.clear();
    this.metrics.throttled = 0;
    this.metrics.throttledByReason = {};
    this.metrics.peakConcurrencyByMailbox = {};
  }
}

export { Window as SlidingWindow };
