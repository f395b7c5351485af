import { HoldfastError, type BrokeredToken } from '@holdfast/contracts';
import { createTokenProvider, type TokenProvider } from '@holdfast/graph';
import { getLogger } from '@holdfast/service-kit';
import { credentialConfig } from '../orgs/credential-verifier';
import type { ApplicationRow, OrganizationRow } from '../orgs/organization.repository';
import type { OrganizationService } from '../orgs/organization.service';
import { tokenRequest } from '../orgs/organization.requests';
import { parseRequest } from '../orgs/parse-request';

export type { BrokeredToken } from '@holdfast/contracts';

/**
 * Hands out Graph access tokens to the other services over request/reply, so only the
 * auth service ever decrypts a credential. Tokens are cached per application, cloud and
 * credential version (renewed ahead of expiry by the graph library's caching provider);
 * without an explicit application, calls rotate over the organization's pool.
 */
export class TokenBroker {
  private readonly providers = new Map<string, TokenProvider>();
  private readonly nextIndex = new Map<string, number>();
  private readonly log = getLogger('TokenBroker');

  constructor(
    private readonly orgs: OrganizationService,
    private readonly ca?: string,
  ) {}

  async token(payload: unknown): Promise<BrokeredToken> {
    const req = parseRequest(tokenRequest, payload);
    const org = await this.orgs.repo.requireActive(req.tenantId, req.organizationId);
    const apps = await this.orgs.repo.applications(org.id);
    if (apps.length === 0) throw new HoldfastError('not_found', `organization ${org.id} has no application`);
    if (req.appId) {
      const wanted = apps.find((a) => a.clientId.toLowerCase() === req.appId!.toLowerCase());
      if (!wanted) throw new HoldfastError('not_found', `application ${req.appId} is not in the pool of organization ${org.id}`);
      return this.tokenOf(org, wanted, req.forceRefresh);
    }
    // rotation: the next application of the pool; one whose credential is refused is skipped
    const start = this.nextIndex.get(org.id) ?? 0;
    this.nextIndex.set(org.id, (start + 1) % apps.length);
    let first: unknown;
    for (let k = 0; k < apps.length; k++) {
      const app = apps[(start + k) % apps.length];
      try {
        return await this.tokenOf(org, app, req.forceRefresh);
      } catch (e) {
        if (!(e instanceof HoldfastError) || e.code !== 'credentials_invalid') throw e;
        this.log.warn({ organizationId: org.id, clientId: app.clientId, reason: (e as { reason?: string }).reason }, 'application credential refused; trying the next application of the pool');
        first ??= e;
      }
    }
    throw first;
  }

  private async tokenOf(org: OrganizationRow, app: ApplicationRow, forceRefresh: boolean): Promise<BrokeredToken> {
    const cloud = this.orgs.cloudOf(org);
    const key = [org.tenantId, org.id, app.clientId, cloud.authorityHost, cloud.scope, app.rotatedAt ?? app.addedAt].join('|');
    let provider = this.providers.get(key);
    if (!provider) {
      const stored = await this.orgs.storedCredential(org, app);
      provider = createTokenProvider(credentialConfig(org.m365TenantId, app.clientId, stored), { cloud, ca: this.ca });
      // drop the providers of older credential versions of the same application
      const prefix = [org.tenantId, org.id, app.clientId].join('|') + '|';
      for (const k of this.providers.keys()) if (k.startsWith(prefix)) this.providers.delete(k);
      this.providers.set(key, provider);
    }
    const token = await provider.getToken({ forceRefresh });
    return { accessToken: token.token, expiresOn: new Date(token.expiresOnTimestamp).toISOString(), appId: app.clientId };
  }

  /** Forgets cached tokens of an organization (after removal). */
  forget(organizationId: string): void {
    for (const k of this.providers.keys()) if (k.split('|')[1] === organizationId) this.providers.delete(k);
    this.nextIndex.delete(organizationId);
  }
}
