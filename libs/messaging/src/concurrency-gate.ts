/** Limits how many handlers run at once and lets a subscription wait for the running ones. */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  /** Waits for a free slot, then runs `task` without waiting for it to finish. */
  async run(task: () => Promise<void>): Promise<void> {
    while (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.running++;
    const p = task()
      .catch(() => undefined)
      .finally(() => {
        this.running--;
        this.inflight.delete(p);
        this.waiters.shift()?.();
      });
    this.inflight.add(p);
  }

  /** Resolves when every started task has finished. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }
}
