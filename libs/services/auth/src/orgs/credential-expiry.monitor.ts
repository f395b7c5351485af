import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { getLogger } from '@holdfast/service-kit';
import { AUTH_RUNTIME, type AuthRuntime } from '../auth-runtime';
import { EXPIRY_WARNING_DAYS } from './organization.service';

const CHECK_EVERY_MS = 6 * 3_600_000;

/** Logs a warning for every secret or certificate ending within EXPIRY_WARNING_DAYS (ids only, never the credential). */
@Injectable()
export class CredentialExpiryMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = getLogger('CredentialExpiry');
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;

  constructor(@Inject(AUTH_RUNTIME) private readonly rt: AuthRuntime) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
    this.first = setTimeout(() => void this.check(), 10_000);
    this.first.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearTimeout(this.first);
  }

  /** Warnings logged, one per expiring application. */
  async check(): Promise<number> {
    try {
      const expiring = await this.rt.orgs.expiring(EXPIRY_WARNING_DAYS);
      for (const e of expiring) {
        this.log.warn(
          { tenantId: e.tenantId, organizationId: e.organizationId, clientId: e.clientId, credentialKind: e.credentialKind, expiresAt: e.expiresAt },
          e.expired ? 'application credential has expired: rotate it' : 'application credential expires soon: rotate it',
        );
      }
      return expiring.length;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'credential expiry check failed');
      return 0;
    }
  }
}
