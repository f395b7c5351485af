import { HoldfastError } from '@holdfast/contracts';
import { defineProjection, type Projection } from './projection';

/**
 * The projections a process knows. Services register theirs when their module loads
 * (`registerProjection(runStatusProjection)`), so the runner and the
 * `holdfast admin rebuild-projections` command find them by name.
 */
export class ProjectionRegistry {
  private readonly byName = new Map<string, Projection>();

  register(projection: Projection): this {
    defineProjection(projection);
    const existing = this.byName.get(projection.name);
    if (existing && existing !== projection) {
      throw new HoldfastError('already_exists', `another projection is already registered as ${projection.name}`);
    }
    this.byName.set(projection.name, projection);
    return this;
  }

  get(name: string): Projection | undefined {
    return this.byName.get(name);
  }

  list(): Projection[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  names(): string[] {
    return this.list().map((p) => p.name);
  }

  /** The named projections (all when `names` is empty); unknown names fail with the known ones listed. */
  select(names: readonly string[] = []): Projection[] {
    if (names.length === 0) return this.list();
    const unknown = names.filter((n) => !this.byName.has(n));
    if (unknown.length) {
      const known = this.names();
      throw new HoldfastError(
        'validation_failed',
        `unknown projection${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${known.length ? known.join(', ') : '(none registered)'}`,
        { unknown, known },
      );
    }
    return [...new Set(names)].map((n) => this.byName.get(n) as Projection);
  }
}

/** The process-wide registry services add their projections to. */
export const projectionRegistry = new ProjectionRegistry();

export function registerProjection(projection: Projection): void {
  projectionRegistry.register(projection);
}
