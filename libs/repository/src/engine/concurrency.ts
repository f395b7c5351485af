/** A counting semaphore: at most `limit` holders; others wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/** Maps items with at most `limit` in flight, yielding results in input order. */
export async function* mapOrdered<T, R>(source: AsyncIterable<T> | Iterable<T>, limit: number, fn: (t: T) => Promise<R>): AsyncGenerator<R> {
  const queue: Array<Promise<R>> = [];
  for await (const item of source as AsyncIterable<T>) {
    const p = fn(item);
    p.catch(() => undefined);
    queue.push(p);
    if (queue.length >= limit) yield await queue.shift()!;
  }
  while (queue.length) yield await queue.shift()!;
}
