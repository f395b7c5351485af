// Test-only: registers applications in a running simulator tenant, as an administrator would in Entra ID.
import { createTokenProvider, GraphClient, pageAll, resolveCloud } from '@holdfast/graph';
import type { RunningSimulator } from '@holdfast/testing';
import { GRAPH_APP_ROLE_IDS, MICROSOFT_GRAPH_APP_ID, type GraphPermission } from '../permissions/graph-permissions';

export function simulatorAdminClient(sim: RunningSimulator, tenant = sim.info.tenants[0].name): GraphClient {
  const t = sim.tenant(tenant);
  const cloud = resolveCloud('global', { authorityHost: t.authorityHost, graphEndpoint: t.graphBaseUrl });
  return new GraphClient({
    tenantId: t.tenantId,
    cloud,
    apps: [{ appId: t.clientId, tokenProvider: createTokenProvider({ kind: 'client-secret', tenantId: t.tenantId, clientId: t.clientId, clientSecret: t.clientSecret }, { cloud, ca: sim.caPem }) }],
    ca: sim.caPem,
  });
}

/** Registers an application with a secret and/or certificate and grants it `roles` (admin consent). */
export async function registerApp(
  graph: GraphClient,
  o: { name: string; roles: GraphPermission[]; secret?: boolean; certificateDerBase64?: string },
): Promise<{ objectId: string; appId: string; secret?: string; servicePrincipalId: string }> {
  const app = await graph.post<{ id: string; appId: string }>('/applications', { displayName: o.name, signInAudience: 'AzureADMyOrg' });
  let secret: string | undefined;
  if (o.secret) secret = (await graph.post<{ secretText: string }>(`/applications/${app.id}/addPassword`, { passwordCredential: { displayName: 'test' } })).secretText;
  if (o.certificateDerBase64) {
    await graph.patch(`/applications/${app.id}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: o.certificateDerBase64, displayName: 'CN=test' }] });
  }
  const sp = await graph.post<{ id: string }>('/servicePrincipals', { appId: app.appId });
  const [graphSp] = await pageAll<{ id: string }>(graph, { path: '/servicePrincipals', query: { $filter: `appId eq '${MICROSOFT_GRAPH_APP_ID}'` } });
  for (const r of o.roles) {
    await graph.post(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { principalId: sp.id, resourceId: graphSp.id, appRoleId: GRAPH_APP_ROLE_IDS[r] });
  }
  return { objectId: app.id, appId: app.appId, secret, servicePrincipalId: sp.id };
}
