/**
 * A sliding-window counter kept in fixed-width buckets, so memory stays bounded (at most
 * windowMs / bucketMs buckets) however many requests pass. It is conservative: a bucket counts
 * as long as any part of it is inside the window, so the limit is never exceeded.
 */
export class SlidingWindow {
  private readonly buckets: Array<{ index: number; count: number }> = [];
  private total = 0;
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

  /** Units counted in the window ending at `now`. */
  used(now: number): number {
    this.expire(now);
    return this.total;
  }

  /** Milliseconds until `units` more fit (0: now). Units above the limit wait for an empty window. */
  waitFor(now: number, units = 1): number {
    this.expire(now);
    const need = Math.min(units, this.limit);
    if (this.total + need <= this.limit) return 0;
    let remaining = this.total;
    for (const b of this.buckets) {
      remaining -= b.count;
      if (remaining + need <= this.limit) return Math.max(1, (b.index + 1) * this.bucketMs + this.windowMs - now);
    }
    return this.windowMs;
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

  /**
   * Re-dates units counted at `from` to `to` (later). The service counts a request when it
   * arrives, which is after we charged it; re-dating it to when its answer came keeps our
   * window from freeing up before the service's does.
   */
  move(from: number, to: number, units = 1): void {
    if (to <= from) return;
    const index = Math.floor(from / this.bucketMs);
    const bucket = this.buckets.find((b) => b.index === index);
    if (!bucket) return; // already out of the window
    const take = Math.min(units, bucket.count);
    bucket.count -= take;
    this.total -= take;
    this.add(to, take);
    const emptyAt = this.buckets.indexOf(bucket);
    if (bucket.count === 0 && emptyAt >= 0) this.buckets.splice(emptyAt, 1);
  }

  isEmpty(now: number): boolean {
    return this.used(now) === 0;
  }
}
