/** One thing the service needs before it can take work: Postgres, the bus, its tables... */
export interface ReadinessProbe {
  /** Dotted name shown by GET /ready, e.g. `postgres`, `bus`, `gateway.tables`. */
  readonly name: string;
  /** Resolves when ready; throws (or rejects) with the reason otherwise. */
  check(): Promise<void>;
}

export interface ProbeResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly ProbeResult[];
}

/**
 * Probes registered by service-kit (Postgres, bus) and by each service module
 * (inject ReadinessRegistry and call register in the constructor or onModuleInit).
 */
export class ReadinessRegistry {
  private readonly probes = new Map<string, ReadinessProbe>();

  constructor(private readonly timeoutMs = 3000) {}

  register(probe: ReadinessProbe): void {
    if (this.probes.has(probe.name)) throw new Error(`Readiness probe "${probe.name}" is registered twice`);
    this.probes.set(probe.name, probe);
  }

  names(): string[] {
    return [...this.probes.keys()];
  }

  async check(): Promise<ReadinessReport> {
    const checks = await Promise.all([...this.probes.values()].map((p) => this.run(p)));
    return { ready: checks.every((c) => c.ok), checks };
  }

  private async run(probe: ReadinessProbe): Promise<ProbeResult> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe.check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      return { name: probe.name, ok: true };
    } catch (e) {
      return { name: probe.name, ok: false, error: e instanceof Error ? e.message : String(e) };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
