/**
 * A sliding-window counter kept in fixed-width buckets, so memory stays bounded (at most
 * windowMs / bucketMs buckets) however many requests pass. It is conservative: a bucket counts
 * as long as any part of it is inside the window, so the limit is never exceeded.
 */
export class SlidingWindow {
  private readonly buckets: Array<{ index: number; count: number }> = [];
  private total = 0;
  /** Units of requests still in flight: they count until they are settled into a bucket. */
  private pending = 0;
  readonly bucketMs: number;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    bucketMs?: number,
  ) {
    if (!(limit > 0) || !(windowMs > 0)) throw new Error(`sliding window needs a positive limit and window (got ${limit} per ${windowMs} ms)`);
    this.bucketMs = Math.max(1, Math.min(bucketMs ?? Math.ceil(windowMs / 100), windowMs));
  }

  private expire(now: number): void {
    // Bucket i covers [i*b, (i+1)*b); it leaves the window once (i+1)*b <= now - windowMs.
    while (this.buckets.length > 0 && (this.buckets[0].index + 1) * this.bucketMs <= now - this.windowMs) {
      this.total -= this.buckets[0].count;
      this.buckets.shift();
    }
  }

  /** Units counted in the window ending at `now`, in-flight ones included. */
  used(now: number): number {
    this.expire(now);
    return this.total + this.pending;
  }

  /**
   * Milliseconds until `units` more fit (0: now). Units above the limit wait for an empty
   * window. Infinity: only the settling of in-flight units can make room.
   */
  waitFor(now: number, units = 1): number {
    this.expire(now);
    const need = Math.min(units, this.limit);
    if (this.total + this.pending + need <= this.limit) return 0;
    let remaining = this.total;
    for (const b of this.buckets) {
      remaining -= b.count;
      if (remaining + this.pending + need <= this.limit) return Math.max(1, (b.index + 1) * this.bucketMs + this.windowMs - now);
    }
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Counts units for a request about to be sent. Graph counts it when it arrives, which is
   * some time before its answer: until `settle`, it counts whatever the time.
   */
  hold(units = 1): void {
    this.pending += units;
  }

  /** The answer came: the held units now age from `now`. */
  settle(now: number, units = 1): void {
    const take = Math.min(units, this.pending);
    this.pending -= take;
    if (take > 0) this.add(now, take);
  }

  /** Gives back held units of a request that was never sent. */
  drop(units = 1): void {
    this.pending -= Math.min(units, this.pending);
  }

  add(now: number, units = 1): void {
    this.expire(now);
    const index = Math.floor(now / this.bucketMs);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.index === index) last.count += units;
    else if (last && last.index > index) last.count += units; // clock went backwards: count in the newest bucket
    else this.buckets.push({ index, count: units });
    this.total += units;
  }

  /** Gives back units taken but not used (a reservation rolled back). */
  refund(units: number): void {
    for (let i = this.buckets.length - 1; i >= 0 && units > 0; i--) {
      const take = Math.min(units, this.buckets[i].count);
      this.buckets[i].count -= take;
      this.total -= take;
      units -= take;
    }
    while (this.buckets.length > 0 && this.buckets[this.buckets.length - 1].count === 0) this.buckets.pop();
  }

  isEmpty(now: number): boolean {
    return this.used(now) === 0;
  }
}
