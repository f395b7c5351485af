import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { getLogger } from '@holdfast/service-kit';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { generateApiToken, hashApiToken } from './api-token';
import { ApiTokenRepository } from './api-token.repository';

/** Receives a generated administrator token: the one moment it exists in clear. */
export type AdminTokenAnnouncer = (token: string) => void;
export const ADMIN_TOKEN_ANNOUNCER = Symbol('holdfast.gateway.admin-token-announcer');

/** Prints a generated token once, on stderr and never through the logger. */
export const printAdminToken: AdminTokenAnnouncer = (token) => {
  process.stderr.write(
    `\nholdfast gateway: created the first administrator API token. It is shown only this once:\n\n  ${token}\n\n` +
      `Use it as HOLDFAST_TOKEN (CLI) or "Authorization: Bearer <token>" (API).\n\n`,
  );
};

/**
 * On start: accept HOLDFAST_ADMIN_TOKEN (stored by hash if new); when there is no token at
 * all, create the first administrator token so scripts can call the API.
 */
@Injectable()
export class AdminTokenBootstrap implements OnApplicationBootstrap {
  private readonly log = getLogger(AdminTokenBootstrap.name);

  constructor(
    private readonly tokens: ApiTokenRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(ADMIN_TOKEN_ANNOUNCER) private readonly announce: AdminTokenAnnouncer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const given = this.config.HOLDFAST_ADMIN_TOKEN;
    const generated = await this.tokens.withBootstrapLock(async (db) => {
      if (given) {
        const hash = hashApiToken(given);
        if (!(await this.tokens.hashExists(db, hash))) {
          await this.tokens.insert(db, { name: 'administrator (HOLDFAST_ADMIN_TOKEN)', role: 'msp_admin', tenantId: null, tokenHash: hash });
          this.log.info('administrator API token from HOLDFAST_ADMIN_TOKEN registered');
        }
        return undefined;
      }
      if ((await this.tokens.countActive(db)) > 0) return undefined;
      const token = generateApiToken();
      await this.tokens.insert(db, { name: 'first administrator', role: 'msp_admin', tenantId: null, tokenHash: hashApiToken(token) });
      this.log.info('first administrator API token created');
      return token;
    });
    if (generated) this.announce(generated);
  }
}
