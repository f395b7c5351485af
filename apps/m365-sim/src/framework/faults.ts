/**
 * Fault injection by seeded rate (like Microsoft Dev Proxy): 429, 500, 502, 503, 504, connection
 * resets, slow responses, truncated responses, and items vanishing between list and fetch.
 */
import { Rng } from './rng';

export type FaultKind = '429' | '500' | '502' | '503' | '504' | 'reset' | 'slow' | 'truncate' | 'vanish';

export const FAULT_KINDS: FaultKind[] = ['429', '500', '502', '503', '504', 'reset', 'slow', 'truncate', 'vanish'];

export interface FaultSettings {
  /** Probability per request (0..1) for each kind. */
  rates: Partial<Record<FaultKind, number>>;
  /** Only requests whose route name starts with one of these (empty = all Graph routes). */
  routes: string[];
  /** Delay for 'slow', in ms. */
  slowMs: number;
  /** Seed of the fault PRNG (reset when settings change). */
  seed: number;
}

export class FaultApi {
  private settings: FaultSettings = { rates: {}, routes: [], slowMs: 1500, seed: 1 };
  private rng = new Rng('faults', 1);
  /** Counts of injected faults by kind. */
  readonly injected: Record<string, number> = {};

  get current(): FaultSettings {
    return this.settings;
  }

  configure(s: Partial<FaultSettings>): FaultSettings {
    this.settings = {
      rates: { ...(s.rates ?? this.settings.rates) },
      routes: s.routes ?? this.settings.routes,
      slowMs: s.slowMs ?? this.settings.slowMs,
      seed: s.seed ?? this.settings.seed,
    };
    this.rng = new Rng('faults', this.settings.seed);
    return this.settings;
  }

  private applies(routeName: string): boolean {
    const r = this.settings.routes;
    return r.length === 0 || r.some((p) => routeName.startsWith(p));
  }

  /** Router: which transport-level fault (if any) hits this request. */
  pick(routeName: string): Exclude<FaultKind, 'vanish'> | undefined {
    if (!this.applies(routeName)) return undefined;
    for (const k of FAULT_KINDS) {
      if (k === 'vanish') continue;
      const p = this.settings.rates[k];
      if (p && this.rng.next() < p) {
        this.injected[k] = (this.injected[k] ?? 0) + 1;
        return k;
      }
    }
    return undefined;
  }

  /**
   * Modules call this when fetching ONE item that a list returned. True => the item "was
   * deleted by a user just now": delete it through your mutation (journaled) and answer 404.
   */
  vanish(routeName: string): boolean {
    const p = this.settings.rates.vanish;
    if (!p || !this.applies(routeName)) return false;
    if (this.rng.next() < p) {
      this.injected.vanish = (this.injected.vanish ?? 0) + 1;
      return true;
    }
    return false;
  }
}
