import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { getLogger } from '@holdfast/service-kit';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { generatePassword, hashPassword, passwordProblem } from './password-hasher';
import { UserRepository } from './user.repository';

/** Receives the generated first administrator's credentials: the one moment they exist in clear. */
export type FirstAdminAnnouncer = (email: string, password: string) => void;
export const FIRST_ADMIN_ANNOUNCER = Symbol('holdfast.gateway.first-admin-announcer');

export const DEFAULT_ADMIN_EMAIL = 'admin@holdfast.local';

/** Prints generated credentials once on stderr, never through the logger. */
export const printFirstAdmin: FirstAdminAnnouncer = (email, password) => {
  process.stderr.write(
    `\nholdfast gateway: created the first portal administrator. The password is shown only this once:\n\n` +
      `  email:    ${email}\n  password: ${password}\n\nSign in to the portal and change it (and turn on two-factor authentication).\n\n`,
  );
};

/**
 * On the first start (no users at all) creates an MSP administrator: from
 * HOLDFAST_ADMIN_EMAIL / HOLDFAST_ADMIN_PASSWORD, or with a generated password printed once.
 */
@Injectable()
export class FirstAdminBootstrap implements OnApplicationBootstrap {
  private readonly log = getLogger(FirstAdminBootstrap.name);

  constructor(
    private readonly users: UserRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(FIRST_ADMIN_ANNOUNCER) private readonly announce: FirstAdminAnnouncer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const settings = this.config;
    const email = settings.HOLDFAST_ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL;
    const given = settings.HOLDFAST_ADMIN_PASSWORD;
    if (given) {
      const problem = passwordProblem(given);
      if (problem) throw new Error(`HOLDFAST_ADMIN_PASSWORD: ${problem}`);
    }
    const client = await this.users.pool.connect();
    let generated: string | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('holdfast.gateway.first-admin'))`);
      if ((await this.users.count(client)) === 0) {
        const password = given ?? generatePassword();
        await this.users.insert(
          { email, displayName: 'Administrator', passwordHash: await hashPassword(password), role: 'msp_admin', tenantId: null, assignedTenantIds: [] },
          client,
        );
        if (!given) generated = password;
        this.log.info({ source: given ? 'HOLDFAST_ADMIN_PASSWORD' : 'generated' }, 'first administrator created');
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    if (generated) this.announce(email, generated);
  }
}
