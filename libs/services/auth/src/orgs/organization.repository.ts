import { HoldfastError } from '@holdfast/contracts';
import type { CloudName } from '@holdfast/graph';
import type { Pool, PoolClient } from 'pg';
import type { ProtectedService } from '../permissions/graph-permissions';
import type { CredentialKind } from './organization.decider';

type Db = Pool | PoolClient;

export interface OrganizationRow {
  readonly id: string;
  readonly tenantId: string;
  readonly displayName: string;
  readonly m365TenantId: string;
  readonly cloud: CloudName;
  readonly services: ProtectedService[];
  readonly authorityHost: string | null;
  readonly graphEndpoint: string | null;
  readonly onboarding: 'existing-application' | 'device-code';
  readonly connectedAt: string;
}

export interface ApplicationRow {
  readonly organizationId: string;
  readonly clientId: string;
  readonly credentialKind: CredentialKind;
  readonly credentialCiphertext: string;
  readonly credentialExpiresAt: string | null;
  readonly certificateThumbprint: string | null;
  readonly granted: string[];
  readonly missing: string[];
  readonly checkedAt: string | null;
  readonly addedAt: string;
  readonly rotatedAt: string | null;
}

const iso = (v: Date | null | undefined) => (v ? v.toISOString() : null);

function toOrg(r: Record<string, unknown>): OrganizationRow {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    displayName: r.display_name as string,
    m365TenantId: r.m365_tenant_id as string,
    cloud: r.cloud as CloudName,
    services: r.services as ProtectedService[],
    authorityHost: (r.authority_host as string | null) ?? null,
    graphEndpoint: (r.graph_endpoint as string | null) ?? null,
    onboarding: r.onboarding as OrganizationRow['onboarding'],
    connectedAt: iso(r.connected_at as Date)!,
  };
}

function toApp(r: Record<string, unknown>): ApplicationRow {
  return {
    organizationId: r.organization_id as string,
    clientId: r.client_id as string,
    credentialKind: r.credential_kind as CredentialKind,
    credentialCiphertext: r.credential_ciphertext as string,
    credentialExpiresAt: iso(r.credential_expires_at as Date | null),
    certificateThumbprint: (r.certificate_thumbprint as string | null) ?? null,
    granted: r.granted as string[],
    missing: r.missing as string[],
    checkedAt: iso(r.checked_at as Date | null),
    addedAt: iso(r.added_at as Date)!,
    rotatedAt: iso(r.rotated_at as Date | null),
  };
}

/** The auth service's own tables: active organizations and their (encrypted) application credentials. */
export class OrganizationRepository {
  constructor(private readonly pool: Pool) {}

  async findActive(tenantId: string, organizationId: string, db: Db = this.pool): Promise<OrganizationRow | undefined> {
    const r = await db.query('SELECT * FROM auth.organizations WHERE tenant_id = $1 AND id = $2 AND removed_at IS NULL', [tenantId, organizationId]);
    return r.rows[0] ? toOrg(r.rows[0]) : undefined;
  }

  async requireActive(tenantId: string, organizationId: string, db: Db = this.pool): Promise<OrganizationRow> {
    const org = await this.findActive(tenantId, organizationId, db);
    if (!org) throw new HoldfastError('not_found', `no organization ${organizationId} in tenant ${tenantId}`);
    return org;
  }

  async findActiveByM365Tenant(tenantId: string, m365TenantId: string, db: Db = this.pool): Promise<OrganizationRow | undefined> {
    const r = await db.query('SELECT * FROM auth.organizations WHERE tenant_id = $1 AND lower(m365_tenant_id) = lower($2) AND removed_at IS NULL', [tenantId, m365TenantId]);
    return r.rows[0] ? toOrg(r.rows[0]) : undefined;
  }

  async listActive(tenantId: string): Promise<OrganizationRow[]> {
    const r = await this.pool.query('SELECT * FROM auth.organizations WHERE tenant_id = $1 AND removed_at IS NULL ORDER BY lower(display_name), id', [tenantId]);
    return r.rows.map(toOrg);
  }

  async applications(organizationId: string, db: Db = this.pool): Promise<ApplicationRow[]> {
    const r = await db.query('SELECT * FROM auth.applications WHERE organization_id = $1 ORDER BY added_at, client_id', [organizationId]);
    return r.rows.map(toApp);
  }

  /** Applications whose secret or certificate ends before `before` (all tenants). */
  async expiringApplications(before: Date): Promise<(ApplicationRow & { tenantId: string })[]> {
    const r = await this.pool.query(
      `SELECT a.*, o.tenant_id AS org_tenant FROM auth.applications a JOIN auth.organizations o ON o.id = a.organization_id
        WHERE o.removed_at IS NULL AND a.credential_expires_at IS NOT NULL AND a.credential_expires_at < $1 ORDER BY a.credential_expires_at`,
      [before],
    );
    return r.rows.map((row) => ({ ...toApp(row), tenantId: row.org_tenant as string }));
  }

  async insertOrganization(db: Db, org: OrganizationRow): Promise<void> {
    try {
      await db.query(
        `INSERT INTO auth.organizations (id, tenant_id, display_name, m365_tenant_id, cloud, services, authority_host, graph_endpoint, onboarding, connected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [org.id, org.tenantId, org.displayName, org.m365TenantId, org.cloud, org.services, org.authorityHost, org.graphEndpoint, org.onboarding, org.connectedAt],
      );
    } catch (e) {
      if ((e as { code?: string }).code === '23505') {
        throw new HoldfastError('already_exists', `the Microsoft 365 tenant ${org.m365TenantId} is already connected in this tenant`, { m365TenantId: org.m365TenantId });
      }
      throw e;
    }
  }

  async insertApplication(db: Db, tenantId: string, app: Omit<ApplicationRow, 'rotatedAt'>): Promise<void> {
    await db.query(
      `INSERT INTO auth.applications (organization_id, client_id, tenant_id, credential_kind, credential_ciphertext, credential_expires_at,
         certificate_thumbprint, granted, missing, checked_at, added_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [app.organizationId, app.clientId, tenantId, app.credentialKind, app.credentialCiphertext, app.credentialExpiresAt, app.certificateThumbprint, app.granted, app.missing, app.checkedAt, app.addedAt],
    );
  }

  async updateCredential(db: Db, organizationId: string, clientId: string, c: { kind: CredentialKind; ciphertext: string; expiresAt: string | null; thumbprint: string | null; at: string }): Promise<void> {
    await db.query(
      `UPDATE auth.applications SET credential_kind = $3, credential_ciphertext = $4, credential_expires_at = $5, certificate_thumbprint = $6, rotated_at = $7
        WHERE organization_id = $1 AND client_id = $2`,
      [organizationId, clientId, c.kind, c.ciphertext, c.expiresAt, c.thumbprint, c.at],
    );
  }

  async updatePermissions(db: Db, organizationId: string, clientId: string, granted: string[], missing: string[], at: string): Promise<void> {
    await db.query('UPDATE auth.applications SET granted = $3, missing = $4, checked_at = $5 WHERE organization_id = $1 AND client_id = $2', [
      organizationId,
      clientId,
      granted,
      missing,
      at,
    ]);
  }

  /** Marks the organization removed and destroys its stored credentials. */
  async remove(db: Db, organizationId: string, at: string): Promise<void> {
    await db.query('DELETE FROM auth.applications WHERE organization_id = $1', [organizationId]);
    await db.query('UPDATE auth.organizations SET removed_at = $2 WHERE id = $1', [organizationId, at]);
  }
}
