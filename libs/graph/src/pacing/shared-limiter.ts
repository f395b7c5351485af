import { Clock, systemClock } from '../clock';
import { SlidingWindow } from './sliding-window';

/** A budget: at most `limit` units in any `windowMs`. */
export interface BudgetSpec {
  readonly limit: number;
  readonly windowMs: number;
}

/** One key to charge: `cost` units against `budget` (no budget: only the key's pause is checked). */
export interface BudgetCharge {
  readonly key: string;
  readonly cost: number;
  readonly budget?: BudgetSpec;
}

export type LimiterDecision =
  | { readonly granted: true }
  | { readonly granted: false; readonly retryAfterMs: number; readonly key: string; readonly reason: 'budget' | 'paused' };

/**
 * Tenant-wide budgets shared by every worker of the platform (SharePoint resource units,
 * Teams per-second limits, the per-application global limit, and the pauses that follow a
 * throttled answer). The in-process implementation below serves one process and the
 * all-in-one mode; a distributed deployment backs the same interface with Postgres (one row
 * per key, `SELECT ... FOR UPDATE`) or JetStream KV (compare-and-set on the key's revision).
 *
 * Contract:
 * - `take` is all-or-nothing: either every charge is recorded or none is.
 * - A denied take says how long until it could succeed, and which key blocked it.
 * - `pause` blocks a key for everybody until the given instant; pauses only extend.
 */
export interface SharedLimiter {
  take(charges: readonly BudgetCharge[]): Promise<LimiterDecision>;
  pause(key: string, untilEpochMs: number): Promise<void>;
  /**
   * Optional: the request charged at `chargedAt` has been answered. Graph counts a request
   * when it arrives, after we charged it, so the in-process limiter counts a charge as in
   * flight until it is settled and ages it from the answer. Without it a short window
   * (Teams: one second) frees on our side before it does on Graph's; implementations that
   * skip it should keep a wider safety margin.
   */
  settle?(charges: readonly BudgetCharge[], chargedAt: number): Promise<void>;
}

interface KeyState {
  window?: SlidingWindow;
  pausedUntil: number;
}

/** The in-process SharedLimiter: exact for one process, the default in all-in-one mode. */
export class InMemorySharedLimiter implements SharedLimiter {
  private readonly keys = new Map<string, KeyState>();
  private lastSweep = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  private state(key: string, budget?: BudgetSpec): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { pausedUntil: 0 };
      this.keys.set(key, s);
    }
    if (budget && (!s.window || s.window.limit !== budget.limit || s.window.windowMs !== budget.windowMs)) {
      const fresh = new SlidingWindow(budget.limit, budget.windowMs);
      // A budget change (licence count updated) keeps what was already spent.
      if (s.window) fresh.add(this.clock.now(), s.window.used(this.clock.now()));
      // (in-flight units are carried as settled: conservative)
      s.window = fresh;
    }
    return s;
  }

  async take(charges: readonly BudgetCharge[]): Promise<LimiterDecision> {
    return this.takeSync(charges);
  }

  /** Synchronous form for in-process callers. */
  takeSync(charges: readonly BudgetCharge[]): LimiterDecision {
    const now = this.clock.now();
    this.sweep(now);
    let worst: LimiterDecision = { granted: true };
    for (const c of charges) {
      const s = this.state(c.key, c.budget);
      if (s.pausedUntil > now) {
        const wait = s.pausedUntil - now;
        if (worst.granted || wait > worst.retryAfterMs) worst = { granted: false, retryAfterMs: wait, key: c.key, reason: 'paused' };
        continue;
      }
      if (s.window && c.cost > 0) {
        let wait = s.window.waitFor(now, c.cost);
        // Full of in-flight requests: look again shortly (a settle frees room).
        if (!Number.isFinite(wait)) wait = Math.max(10, Math.min(1_000, Math.ceil(s.window.windowMs / 10)));
        if (wait > 0 && (worst.granted || wait > worst.retryAfterMs)) worst = { granted: false, retryAfterMs: wait, key: c.key, reason: 'budget' };
      }
    }
    if (!worst.granted) return worst;
    for (const c of charges) {
      const s = this.state(c.key, c.budget);
      if (s.window && c.cost > 0) s.window.hold(c.cost);
    }
    return worst;
  }

  async settle(charges: readonly BudgetCharge[], chargedAt: number): Promise<void> {
    const now = this.clock.now();
    void chargedAt;
    for (const c of charges) if (c.cost > 0) this.keys.get(c.key)?.window?.settle(now, c.cost);
  }

  async pause(key: string, untilEpochMs: number): Promise<void> {
    const s = this.state(key);
    s.pausedUntil = Math.max(s.pausedUntil, untilEpochMs);
  }

  /** Units used in the current window of a key (for tests and status). */
  used(key: string): number {
    return this.keys.get(key)?.window?.used(this.clock.now()) ?? 0;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [k, s] of this.keys) if (s.pausedUntil <= now && (!s.window || s.window.isEmpty(now))) this.keys.delete(k);
  }
}
