import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HoldfastError } from '@holdfast/contracts';
import { Option, type Command } from 'commander';
import { apiClientFromEnv, type ApiClient } from '../api-client';
import { CLOUDS, ORG_ROUTES, SERVICES, type OnboardingView, type OrganizationView } from '../orgs/org-routes';
import { printResult } from '../output';

interface AddOptions {
  name: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  secretExpiresAt?: string;
  certificate?: string;
  certificatePassword?: string;
  deviceCode?: boolean;
  cloud: string;
  services?: string;
  authorityHost?: string;
  graphEndpoint?: string;
  allowMissingPermissions?: boolean;
  saveCertificate?: string;
  json?: boolean;
}

/** `--services exchange,teams` as a checked list. */
export function parseServices(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = list.filter((s) => !(SERVICES as readonly string[]).includes(s));
  if (unknown.length || list.length === 0) {
    throw new HoldfastError('validation_failed', `--services: unknown service ${unknown.join(', ') || '(none)'}; expected a comma-separated list of ${SERVICES.join(', ')}`);
  }
  return [...new Set(list)];
}

/** A certificate file: PEM text (key + certificate) or a PFX/PKCS#12 file. */
export function readCertificate(file: string, password?: string): Record<string, unknown> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new HoldfastError('validation_failed', `--certificate: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN')) return { kind: 'client-certificate', pem: text };
  return { kind: 'client-certificate', pfxBase64: bytes.toString('base64'), ...(password !== undefined ? { password } : {}) };
}

/** The body of POST /api/v1/organizations from the command line (exactly one credential). */
export function addRequestFromOptions(o: AddOptions): Record<string, unknown> {
  const given = [o.clientSecret !== undefined, o.certificate !== undefined, !!o.deviceCode].filter(Boolean).length;
  if (given !== 1) {
    throw new HoldfastError('validation_failed', 'give exactly one of --client-secret, --certificate FILE or --device-code');
  }
  if (!o.deviceCode && !o.tenantId) throw new HoldfastError('validation_failed', '--tenant-id is required (the Microsoft 365 tenant id or domain)');
  if (!o.deviceCode && !o.clientId) throw new HoldfastError('validation_failed', '--client-id is required with --client-secret or --certificate');
  if (!(CLOUDS as readonly string[]).includes(o.cloud)) throw new HoldfastError('validation_failed', `--cloud: expected one of ${CLOUDS.join(', ')}`);
  const common = {
    displayName: o.name,
    cloud: o.cloud,
    ...(o.services ? { services: parseServices(o.services) } : {}),
    ...(o.authorityHost ? { authorityHost: o.authorityHost } : {}),
    ...(o.graphEndpoint ? { graphEndpoint: o.graphEndpoint } : {}),
  };
  if (o.deviceCode) return { ...common, ...(o.tenantId ? { m365TenantId: o.tenantId } : {}) };
  if (o.secretExpiresAt !== undefined && (o.clientSecret === undefined || Number.isNaN(Date.parse(o.secretExpiresAt)))) {
    throw new HoldfastError('validation_failed', '--secret-expires-at: expected the secret\'s expiry date (e.g. 2027-06-30) with --client-secret');
  }
  const credential =
    o.clientSecret !== undefined
      ? { kind: 'client-secret', clientSecret: o.clientSecret, ...(o.secretExpiresAt ? { expiresAt: new Date(o.secretExpiresAt).toISOString() } : {}) }
      : readCertificate(o.certificate!, o.certificatePassword);
  return { ...common, m365TenantId: o.tenantId, clientId: o.clientId, credential, ...(o.allowMissingPermissions ? { allowMissingPermissions: true } : {}) };
}

export function describeOrganization(o: OrganizationView): string {
  const lines = [
    `${o.displayName}  (${o.organizationId})`,
    `  tenant:      ${o.m365TenantId} (${o.cloud})`,
    `  services:    ${o.services.join(', ')}`,
    `  ready:       ${o.permissions.servicesReady.join(', ') || '(none)'}`,
  ];
  for (const [service, missing] of Object.entries(o.permissions.byService ?? {})) lines.push(`  MISSING for ${service}: ${missing.join(', ')}`);
  for (const a of o.applications) {
    const expiry = a.credentialExpiresAt ? ` expires ${a.credentialExpiresAt}${a.expiry === 'ok' ? '' : ` (${a.expiry.toUpperCase()})`}` : '';
    lines.push(`  application: ${a.clientId} ${a.credentialKind}${a.certificateThumbprint ? ` ${a.certificateThumbprint}` : ''}${expiry}`);
  }
  return lines.join('\n');
}

/** Shows the device code, then waits until the sign-in and registration finish. */
export async function followOnboarding(client: ApiClient, started: OnboardingView, json: boolean, pollMs = Number(process.env.HOLDFAST_POLL_INTERVAL_MS) || 2000): Promise<OnboardingView> {
  if (!json) {
    process.stderr.write(`\nTo sign in, open ${started.verificationUri} and enter the code ${started.userCode}\n(sign in as an administrator of the Microsoft 365 organization)\n\n`);
  } else {
    process.stderr.write(JSON.stringify({ userCode: started.userCode, verificationUri: started.verificationUri }) + '\n');
  }
  let state = started;
  while (state.status === 'waiting_for_sign_in' || state.status === 'registering') {
    await new Promise((r) => setTimeout(r, pollMs));
    state = await client.get<OnboardingView>(ORG_ROUTES.onboarding(started.onboardingId));
  }
  if (state.status === 'failed') throw new HoldfastError((state.error?.code as never) ?? 'internal', state.error?.message ?? 'the device-code sign-in failed');
  return state;
}

export function register(program: Command): void {
  const org = program.command('org').description('customer Microsoft 365 organizations (needs HOLDFAST_URL and HOLDFAST_TOKEN)');

  org
    .command('add')
    .description('connect an organization with an existing application (secret or certificate) or by device code')
    .requiredOption('--name <name>', 'display name of the organization')
    .option('--tenant-id <id>', 'Microsoft 365 tenant id (GUID) or domain (optional with --device-code)')
    .option('--client-id <id>', 'application (client) id of an existing application')
    .option('--client-secret <secret>', 'client secret of the application')
    .option('--secret-expires-at <date>', 'when the client secret expires (for expiry warnings)')
    .option('--certificate <file>', 'certificate of the application: PFX/P12, or PEM with its private key')
    .option('--certificate-password <password>', 'password of the PFX file')
    .option('--device-code', 'sign in as an administrator with a code; Holdfast registers the application itself')
    .addOption(new Option('--cloud <cloud>', 'national cloud').choices([...CLOUDS]).default('global'))
    .option('--services <list>', `services to protect, comma-separated (${SERVICES.join(',')}; default all)`)
    .option('--authority-host <url>', 'Entra ID authority host (a compatible endpoint or the simulator)')
    .option('--graph-endpoint <url>', 'Microsoft Graph endpoint (a compatible endpoint or the simulator)')
    .option('--allow-missing-permissions', 'connect even when no service has all its permissions yet (then run "org grant")')
    .option('--save-certificate <file>', 'with --device-code: where to write the generated certificate (PFX, shown once)')
    .option('--json', 'print JSON')
    .action(async (opts: AddOptions) => {
      const body = addRequestFromOptions(opts);
      const client = apiClientFromEnv();
      if (!opts.deviceCode) {
        const created = await client.post<OrganizationView>(ORG_ROUTES.organizations, body);
        printResult(!!opts.json, created, () => `connected\n${describeOrganization(created)}`);
        return;
      }
      const started = await client.post<OnboardingView>(ORG_ROUTES.deviceCode, body);
      const done = await followOnboarding(client, started, !!opts.json);
      let saved: string | undefined;
      if (done.certificate) {
        saved = path.resolve(opts.saveCertificate ?? `holdfast-${done.organizationId}.pfx`);
        writeFileSync(saved, Buffer.from(done.certificate.pfxBase64, 'base64'), { mode: 0o600 });
      }
      const created = await client.get<OrganizationView>(ORG_ROUTES.organization(done.organizationId!));
      const result = { ...created, ...(saved ? { certificateFile: saved, certificatePassword: done.certificate!.password } : {}) };
      printResult(!!opts.json, result, () =>
        [
          `connected\n${describeOrganization(created)}`,
          ...(saved ? [`  certificate: saved to ${saved}; its password (shown only now): ${done.certificate!.password}`] : []),
        ].join('\n'),
      );
    });

  org
    .command('list')
    .description('list connected organizations')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await apiClientFromEnv().get<OrganizationView[]>(ORG_ROUTES.organizations);
      printResult(!!opts.json, list, () =>
        list.length === 0
          ? 'no organizations connected (add one with "holdfast org add")'
          : list
              .map((o) => `${o.organizationId}  ${o.displayName}  ${o.m365TenantId} ${o.cloud}  ready: ${o.permissions.servicesReady.join(',') || '-'}${o.permissions.servicesMissingPermissions.length ? `  MISSING PERMISSIONS: ${o.permissions.servicesMissingPermissions.join(',')}` : ''}`)
              .join('\n'),
      );
    });

  org
    .command('show <organizationId>')
    .description('show an organization, its applications and permissions')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const o = await apiClientFromEnv().get<OrganizationView>(ORG_ROUTES.organization(id));
      printResult(!!opts.json, o, () => describeOrganization(o));
    });

  org
    .command('check <organizationId>')
    .description('check the permissions of every application of an organization against its services')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const r = await apiClientFromEnv().post<{ permissions: OrganizationView['permissions']; applications: { clientId: string; missing: string[]; error?: { message: string } }[] }>(ORG_ROUTES.check(id));
      printResult(!!opts.json, r, () =>
        [
          `ready: ${r.permissions.servicesReady.join(', ') || '(none)'}`,
          ...Object.entries(r.permissions.byService ?? {}).map(([s, m]) => `MISSING for ${s}: ${m.join(', ')}`),
          ...r.applications.map((a) => `application ${a.clientId}: ${a.error ? `ERROR ${a.error.message}` : a.missing.length ? `missing ${a.missing.join(', ')}` : 'all permissions granted'}`),
        ].join('\n'),
      );
      if (r.permissions.servicesMissingPermissions.length || r.applications.some((a) => a.error)) process.exitCode = 1;
    });

  org
    .command('grant <organizationId>')
    .description('grant the missing permissions: an administrator signs in with a device code')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const client = apiClientFromEnv();
      const started = await client.post<OnboardingView>(ORG_ROUTES.grant(id));
      const done = await followOnboarding(client, started, !!opts.json);
      printResult(!!opts.json, done, () => (done.granted?.length ? `granted: ${done.granted.join(', ')}` : 'nothing was missing'));
    });

  org
    .command('remove <organizationId>')
    .description('disconnect an organization and destroy its stored credentials')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const r = await apiClientFromEnv().delete<{ organizationId: string }>(ORG_ROUTES.organization(id));
      printResult(!!opts.json, r, () => `removed ${r.organizationId}`);
    });
}
