import { readFileSync } from 'node:fs';
import { CATALOG, HoldfastError } from '@holdfast/contracts';
import { PostgresEventStore, UpcasterRegistry } from '@holdfast/event-store';
import type { Pool } from 'pg';
import { TokenBroker } from './broker/token-broker';
import { EnvelopeCipher } from './crypto/envelope-cipher';
import { PostgresDataKeyStore } from './crypto/postgres-data-key.store';
import { DeviceCodeOnboarding } from './onboarding/device-code-onboarding';
import { OrganizationService } from './orgs/organization.service';

/** Everything the auth service runs on, built once per process. */
export interface AuthRuntime {
  readonly store: PostgresEventStore;
  readonly cipher: EnvelopeCipher;
  readonly orgs: OrganizationService;
  readonly broker: TokenBroker;
  readonly onboarding: DeviceCodeOnboarding;
}

export const AUTH_RUNTIME = Symbol('holdfast.auth.runtime');

export function readCaFile(file: string | undefined, variable: string): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new HoldfastError('validation_failed', `${variable}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function createAuthRuntime(options: { pool: Pool; masterKey: string; ca?: string; onboardingClientId?: string }): AuthRuntime {
  const store = new PostgresEventStore({ pool: options.pool, upcasters: new UpcasterRegistry().registerCatalog(CATALOG), validate: CATALOG });
  const cipher = new EnvelopeCipher(options.masterKey, new PostgresDataKeyStore(options.pool));
  const orgs = new OrganizationService({ pool: options.pool, store, cipher, ca: options.ca });
  const broker = new TokenBroker(orgs, options.ca);
  const onboarding = new DeviceCodeOnboarding({ orgs, cipher, ca: options.ca, clientId: options.onboardingClientId });
  return { store, cipher, orgs, broker, onboarding };
}
