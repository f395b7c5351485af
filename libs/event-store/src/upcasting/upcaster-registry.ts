import { HoldfastError } from '@holdfast/contracts';

/** Turns the data of one schema version into the data of the next. Pure, no I/O. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export interface EventSchemaDeclaration {
  /** The version new events of this type are written with. */
  readonly currentVersion: number;
  /** `upcasters[n]` turns version n data into version n + 1. */
  readonly upcasters?: Readonly<Record<number, Upcaster>>;
}

/**
 * Schema versions per event type. Appends stamp the current version; reads upcast stored
 * data step by step (v1 -> v2 -> ...) so consumers only ever see the latest shape.
 * Types nobody registered are version 1 and pass through unchanged.
 */
export class UpcasterRegistry {
  private readonly types = new Map<string, EventSchemaDeclaration>();

  /** Registers one type; `currentVersion` > 1 needs every step from 1 (or the oldest stored version). */
  register(type: string, declaration: EventSchemaDeclaration): this {
    const { currentVersion, upcasters = {} } = declaration;
    if (!Number.isInteger(currentVersion) || currentVersion < 1) {
      throw new HoldfastError('validation_failed', `event type ${type}: currentVersion must be an integer >= 1`);
    }
    for (const key of Object.keys(upcasters)) {
      const from = Number(key);
      if (!Number.isInteger(from) || from < 1 || from >= currentVersion) {
        throw new HoldfastError(
          'validation_failed',
          `event type ${type}: upcaster from version ${key} is outside 1..${currentVersion - 1}`,
        );
      }
    }
    if (this.types.has(type)) {
      throw new HoldfastError('validation_failed', `event type ${type} is registered twice`);
    }
    this.types.set(type, { currentVersion, upcasters });
    return this;
  }

  /**
   * Registers the current schema version of every catalog entry. Register upcasters first;
   * a catalog version that disagrees with a registered one is a mistake and throws.
   */
  registerCatalog(catalog: readonly { readonly type: string; readonly schemaVersion: number }[]): this {
    for (const entry of catalog) {
      const existing = this.types.get(entry.type);
      if (!existing) this.register(entry.type, { currentVersion: entry.schemaVersion });
      else if (existing.currentVersion !== entry.schemaVersion) {
        throw new HoldfastError(
          'validation_failed',
          `event type ${entry.type} is version ${entry.schemaVersion} in the catalog but ${existing.currentVersion} in the upcaster registry`,
        );
      }
    }
    return this;
  }

  currentVersion(type: string): number {
    return this.types.get(type)?.currentVersion ?? 1;
  }

  /**
   * Brings stored data up to the current version. Data from a newer version than this
   * process knows (a newer instance wrote it during a rolling deploy) is returned as is.
   */
  upcast(
    type: string,
    schemaVersion: number,
    data: Record<string, unknown>,
  ): { schemaVersion: number; data: Record<string, unknown> } {
    const declaration = this.types.get(type);
    if (!declaration || schemaVersion >= declaration.currentVersion) return { schemaVersion, data };
    let version = schemaVersion;
    let current = data;
    while (version < declaration.currentVersion) {
      const step = declaration.upcasters?.[version];
      if (!step) {
        throw new HoldfastError(
          'internal',
          `event type ${type} has no upcaster from schema version ${version} to ${version + 1}`,
          { type, schemaVersion: version },
        );
      }
      current = step(current);
      version++;
    }
    return { schemaVersion: version, data: current };
  }
}
