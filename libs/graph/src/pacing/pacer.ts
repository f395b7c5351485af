import { Clock, systemClock } from '../clock';
import { GraphMetricsSink, noopMetrics } from '../metrics';
import { GRAPH_LIMITS, SharePointRequestKind, TEAMS_PER_SECOND, TeamsRequestKind, resourceUnitCost, sharePointRuPerMinute } from './budgets';
import { BudgetCharge, BudgetSpec, InMemorySharedLimiter, SharedLimiter } from './shared-limiter';
import { SlidingWindow } from './sliding-window';

/** Which limit family a request falls under, and the key Microsoft throttles it by. */
export type PacingTarget =
  | { readonly workload: 'exchange'; readonly mailbox: string }
  | { readonly workload: 'sharepoint'; readonly kind: SharePointRequestKind; readonly user?: string }
  | { readonly workload: 'teams'; readonly kind: TeamsRequestKind; readonly channel?: string }
  | { readonly workload: 'directory' };

export interface PaceRequest {
  readonly tenantId: string;
  /** The organization's application pool; the pacer picks the least loaded one that may go now. */
  readonly apps: readonly string[];
  readonly target: PacingTarget;
  /** Requests this acquisition stands for (a $batch carrying n sub-requests for this key). Default 1. */
  readonly count?: number;
  /** Concurrent slots to hold (a $batch runs at most 4 of one mailbox at a time). Default 1. */
  readonly slots?: number;
  /** Bytes about to be uploaded into the mailbox (the 150 MB / 5 min upload limit). */
  readonly uploadBytes?: number;
  readonly signal?: AbortSignal;
}

/** Permission to send one request (or one $batch share). Release it when the answer is done. */
export interface PacingLease {
  readonly appId: string;
  /** Milliseconds this request waited for the pacer. */
  readonly waitedMs: number;
  /** The answer was throttled: every request of this key (app + mailbox, or app + tenant) waits `retryAfterMs`. */
  throttled(retryAfterMs: number): void;
  /** Idempotent. */
  release(): void;
}

/** Limits the pacer keeps; defaults sit a little below Microsoft's so throttling is avoided, not survived. */
export interface PacerOptions {
  readonly clock?: Clock;
  readonly metrics?: GraphMetricsSink;
  /** Tenant-wide budgets; in-process by default, Postgres/JetStream KV in a distributed deployment. */
  readonly shared?: SharedLimiter;
  readonly mailbox?: {
    readonly maxConcurrent?: number;
    readonly windowLimit?: number;
    readonly windowMs?: number;
    readonly uploadBytesLimit?: number;
    readonly uploadWindowMs?: number;
  };
  /** Concurrent requests per application and tenant for non-mailbox workloads. */
  readonly tenantConcurrency?: number;
  /** The whole-application limit across tenants. */
  readonly app?: Partial<BudgetSpec>;
  readonly sharePoint?: { readonly safety?: number; readonly windowMs?: number; readonly userLimit?: number; readonly userWindowMs?: number };
  readonly teams?: { readonly safety?: number; readonly windowMs?: number; readonly channelLimit?: number };
  /** Licence count assumed for a tenant until `setTenantLicences` is called. */
  readonly defaultLicences?: number;
}

interface ScopeState {
  inflight: number;
  pausedUntil: number;
  readonly maxConcurrent: number;
  readonly window?: SlidingWindow;
  readonly bytes?: SlidingWindow;
}

interface Pending {
  readonly req: PaceRequest;
  readonly resolve: (grant: { appId: string; at: number }) => void;
  readonly reject: (err: unknown) => void;
  cleanup?: () => void;
}

/**
 * The pacing layer every Graph call goes through. Per application + mailbox it keeps the
 * concurrency cap (4) and the 10-minute sliding window (9,600 by default) in process, since
 * one worker holds a mailbox task; per application + tenant it charges SharePoint resource
 * units, Teams per-second limits and the global application limit to a SharedLimiter so
 * every worker sees the same budget. A throttled answer pauses its whole key until
 * Retry-After passes. With several applications, each request goes to the least loaded
 * application that may send now.
 *
 * Waiters are served first-come first-served per key; a blocked key never holds up others.
 */
export class Pacer {
  private readonly clock: Clock;
  private readonly metrics: GraphMetricsSink;
  private readonly shared: SharedLimiter;
  private readonly mailbox: Required<NonNullable<PacerOptions['mailbox']>>;
  private readonly tenantConcurrency: number;
  private readonly appBudget: BudgetSpec;
  private readonly sp: Required<NonNullable<PacerOptions['sharePoint']>>;
  private readonly teams: Required<NonNullable<PacerOptions['teams']>>;
  private readonly defaultLicences: number;
  private readonly licences = new Map<string, number>();
  private readonly scopes = new Map<string, ScopeState>();
  private pending: Pending[] = [];
  private wakeAt = Infinity;
  private cancelWake?: () => void;
  private lastSweep = 0;

  constructor(options: PacerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? noopMetrics;
    this.shared = options.shared ?? new InMemorySharedLimiter(this.clock);
    this.mailbox = {
      maxConcurrent: options.mailbox?.maxConcurrent ?? GRAPH_LIMITS.mailboxConcurrent,
      windowLimit: options.mailbox?.windowLimit ?? 9_600,
      windowMs: options.mailbox?.windowMs ?? 600_000,
      uploadBytesLimit: options.mailbox?.uploadBytesLimit ?? Math.floor(GRAPH_LIMITS.mailboxUploadBytesPer5Min * 0.95),
      uploadWindowMs: options.mailbox?.uploadWindowMs ?? 300_000,
    };
    this.tenantConcurrency = options.tenantConcurrency ?? 32;
    this.appBudget = { limit: options.app?.limit ?? 120_000, windowMs: options.app?.windowMs ?? 10_000 };
    this.sp = {
      safety: options.sharePoint?.safety ?? 0.9,
      windowMs: options.sharePoint?.windowMs ?? 60_000,
      userLimit: options.sharePoint?.userLimit ?? Math.floor(GRAPH_LIMITS.sharePointUserRequestsPer5Min * 0.9),
      userWindowMs: options.sharePoint?.userWindowMs ?? 300_000,
    };
    this.teams = {
      safety: options.teams?.safety ?? 0.9,
      windowMs: options.teams?.windowMs ?? 1_000,
      channelLimit: options.teams?.channelLimit ?? GRAPH_LIMITS.teamsChannelPerSecond - 1,
    };
    this.defaultLicences = options.defaultLicences ?? 0;
  }

  /** The tenant's licence count sets its SharePoint resource-unit budget. */
  setTenantLicences(tenantId: string, licences: number): void {
    this.licences.set(tenantId, licences);
  }

  /** SharePoint RU budget per window this pacer spends for a tenant (after the safety margin). */
  sharePointBudget(tenantId: string): BudgetSpec {
    const perMinute = sharePointRuPerMinute(this.licences.get(tenantId) ?? this.defaultLicences);
    return { limit: Math.max(1, Math.floor(perMinute * this.sp.safety * (this.sp.windowMs / 60_000))), windowMs: this.sp.windowMs };
  }

  /** Runs `fn` under a lease, releasing it however `fn` ends. */
  async run<T>(req: PaceRequest, fn: (lease: PacingLease) => Promise<T>): Promise<T> {
    const lease = await this.acquire(req);
    try {
      return await fn(lease);
    } finally {
      lease.release();
    }
  }

  /** Waits until the request may be sent without breaking a limit, and reserves its share. */
  async acquire(req: PaceRequest): Promise<PacingLease> {
    if (req.apps.length === 0) throw new Error('pacer: no application in the pool');
    const started = this.clock.now();
    for (;;) {
      const { appId } = await this.waitLocal(req);
      const charges = this.sharedCharges(req, appId);
      let decision;
      try {
        decision = await this.shared.take(charges);
      } catch (err) {
        this.rollback(req, appId);
        throw err;
      }
      if (decision.granted) {
        const waitedMs = this.clock.now() - started;
        if (waitedMs > 0) this.metrics.add('holdfast.graph.wait_ms', waitedMs, { workload: req.target.workload });
        return this.lease(req, appId, waitedMs, charges, this.clock.now());
      }
      // The tenant budget of this app is spent: remember it locally so the next round tries
      // another application (or waits exactly as long as needed), then queue again.
      this.rollback(req, appId);
      const scope = this.scope(req.tenantId, appId, req.target);
      scope.pausedUntil = Math.max(scope.pausedUntil, this.clock.now() + decision.retryAfterMs);
      this.pump();
    }
  }

  /** What the pacer holds for a key right now (status pages, tests). */
  inspect(tenantId: string, appId: string, target: PacingTarget): { inflight: number; used: number; pausedUntil: number } {
    const s = this.scopes.get(this.scopeKey(tenantId, appId, target));
    return { inflight: s?.inflight ?? 0, used: s?.window?.used(this.clock.now()) ?? 0, pausedUntil: s?.pausedUntil ?? 0 };
  }

  /** Requests waiting for the pacer. */
  get waiting(): number {
    return this.pending.length;
  }

  private lease(req: PaceRequest, appId: string, waitedMs: number, charges: readonly BudgetCharge[], chargedAt: number): PacingLease {
    let released = false;
    return {
      appId,
      waitedMs,
      throttled: (retryAfterMs: number) => {
        const until = this.clock.now() + Math.max(0, retryAfterMs);
        const scope = this.scope(req.tenantId, appId, req.target);
        scope.pausedUntil = Math.max(scope.pausedUntil, until);
        const sharedKey = this.throttleKey(req.tenantId, appId, req.target);
        if (sharedKey) void this.shared.pause(sharedKey, until).catch(() => undefined);
        this.pump();
      },
      release: () => {
        if (released) return;
        released = true;
        const scope = this.scope(req.tenantId, appId, req.target);
        scope.inflight = Math.max(0, scope.inflight - this.slotsOf(req, scope));
        // Graph counted the request on arrival, somewhere between grant and now: age it from now.
        scope.window?.settle(this.clock.now(), req.count ?? 1);
        if (this.shared.settle) void this.shared.settle(charges, chargedAt).catch(() => undefined);
        this.pump();
      },
    };
  }

  private slotsOf(req: PaceRequest, scope: ScopeState): number {
    return Math.min(Math.max(1, req.slots ?? 1), scope.maxConcurrent);
  }

  private rollback(req: PaceRequest, appId: string): void {
    const scope = this.scope(req.tenantId, appId, req.target);
    scope.inflight = Math.max(0, scope.inflight - this.slotsOf(req, scope));
    scope.window?.drop(req.count ?? 1);
    if (req.uploadBytes) scope.bytes?.refund(req.uploadBytes);
  }

  private waitLocal(req: PaceRequest): Promise<{ appId: string; at: number }> {
    return new Promise((resolve, reject) => {
      const entry: Pending = { req, resolve, reject };
      if (req.signal) {
        const signal = req.signal;
        if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
        const onAbort = () => {
          this.pending = this.pending.filter((p) => p !== entry);
          reject(signal.reason ?? new Error('aborted'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.push(entry);
      this.pump();
    });
  }

  /** Grants every waiter that fits, in arrival order, and sets one timer for the next that will. */
  private pump(): void {
    const now = this.clock.now();
    this.sweep(now);
    let earliest = Infinity;
    const blocked = new Set<string>();
    const still: Pending[] = [];
    for (const entry of this.pending) {
      const { req } = entry;
      const targetKey = this.targetKey(req);
      if (blocked.has(targetKey)) {
        still.push(entry);
        continue;
      }
      const count = req.count ?? 1;
      let best: string | undefined;
      let bestLoad = Infinity;
      for (const appId of req.apps) {
        const s = this.scope(req.tenantId, appId, req.target);
        let wait = Math.max(0, s.pausedUntil - now);
        if (s.window) wait = Math.max(wait, s.window.waitFor(now, count));
        if (s.bytes && req.uploadBytes) wait = Math.max(wait, s.bytes.waitFor(now, req.uploadBytes));
        if (wait > 0) {
          if (Number.isFinite(wait)) earliest = Math.min(earliest, now + wait); // else a release pumps again
          continue;
        }
        if (s.inflight + this.slotsOf(req, s) > s.maxConcurrent) continue; // a release will pump again
        const load = s.inflight / s.maxConcurrent + (s.window ? s.window.used(now) / s.window.limit : 0);
        if (load < bestLoad) {
          bestLoad = load;
          best = appId;
        }
      }
      if (best === undefined) {
        blocked.add(targetKey);
        still.push(entry);
        continue;
      }
      const s = this.scope(req.tenantId, best, req.target);
      s.inflight += this.slotsOf(req, s);
      s.window?.hold(count);
      if (req.uploadBytes) s.bytes?.add(now, req.uploadBytes);
      entry.cleanup?.();
      entry.resolve({ appId: best, at: now });
    }
    this.pending = still;
    if (earliest < Infinity && this.pending.length > 0) this.wake(earliest);
  }

  private wake(at: number): void {
    if (at >= this.wakeAt) return;
    this.cancelWake?.();
    this.wakeAt = at;
    this.cancelWake = this.clock.setTimer(at - this.clock.now(), () => {
      this.wakeAt = Infinity;
      this.cancelWake = undefined;
      this.pump();
    });
  }

  private targetKey(req: PaceRequest): string {
    const t = req.target;
    return t.workload === 'exchange' ? `x|${req.tenantId}|${t.mailbox.toLowerCase()}` : `w|${req.tenantId}|${t.workload}`;
  }

  private scopeKey(tenantId: string, appId: string, target: PacingTarget): string {
    return target.workload === 'exchange' ? `x|${tenantId}|${appId}|${target.mailbox.toLowerCase()}` : `w|${tenantId}|${appId}|${target.workload}`;
  }

  private scope(tenantId: string, appId: string, target: PacingTarget): ScopeState {
    const key = this.scopeKey(tenantId, appId, target);
    let s = this.scopes.get(key);
    if (!s) {
      s =
        target.workload === 'exchange'
          ? {
              inflight: 0,
              pausedUntil: 0,
              maxConcurrent: this.mailbox.maxConcurrent,
              window: new SlidingWindow(this.mailbox.windowLimit, this.mailbox.windowMs),
              bytes: new SlidingWindow(this.mailbox.uploadBytesLimit, this.mailbox.uploadWindowMs),
            }
          : { inflight: 0, pausedUntil: 0, maxConcurrent: this.tenantConcurrency };
      this.scopes.set(key, s);
    }
    return s;
  }

  /** The shared key a throttled answer pauses for every worker (mailbox pauses stay local). */
  private throttleKey(tenantId: string, appId: string, target: PacingTarget): string | undefined {
    switch (target.workload) {
      case 'exchange':
        return undefined;
      case 'sharepoint':
        return `sp|${tenantId}|${appId}`;
      case 'teams':
        return `teams|${tenantId}|${appId}`;
      case 'directory':
        return `dir|${tenantId}|${appId}`;
      default: {
        const never: never = target;
        return never;
      }
    }
  }

  private sharedCharges(req: PaceRequest, appId: string): BudgetCharge[] {
    const count = req.count ?? 1;
    const charges: BudgetCharge[] = [{ key: `app|${appId}`, cost: count, budget: this.appBudget }];
    const t = req.target;
    switch (t.workload) {
      case 'exchange':
        break;
      case 'sharepoint':
        charges.push({ key: `sp|${req.tenantId}|${appId}`, cost: resourceUnitCost(t.kind) * count, budget: this.sharePointBudget(req.tenantId) });
        if (t.user) charges.push({ key: `spu|${req.tenantId}|${appId}|${t.user.toLowerCase()}`, cost: count, budget: { limit: this.sp.userLimit, windowMs: this.sp.userWindowMs } });
        break;
      case 'teams': {
        charges.push({ key: `teams|${req.tenantId}|${appId}`, cost: 0 });
        const limit = Math.max(1, Math.floor(TEAMS_PER_SECOND[t.kind] * this.teams.safety));
        charges.push({ key: `teams|${req.tenantId}|${appId}|${t.kind}`, cost: count, budget: { limit, windowMs: this.teams.windowMs } });
        if (t.channel) charges.push({ key: `teamsch|${req.tenantId}|${appId}|${t.channel}`, cost: count, budget: { limit: this.teams.channelLimit, windowMs: this.teams.windowMs } });
        break;
      }
      case 'directory':
        charges.push({ key: `dir|${req.tenantId}|${appId}`, cost: 0 });
        break;
      default: {
        const never: never = t;
        return never;
      }
    }
    return charges;
  }

  /** Drops idle keys so memory follows the mailboxes in work, not every mailbox ever seen. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [k, s] of this.scopes) {
      if (s.inflight === 0 && s.pausedUntil <= now && (!s.window || s.window.isEmpty(now)) && (!s.bytes || s.bytes.isEmpty(now))) this.scopes.delete(k);
    }
  }
}

/** The mailbox-only view: a Pacer whose every request is an Exchange request. */
export type MailboxPacer = Pacer;
