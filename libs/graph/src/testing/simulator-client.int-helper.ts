// Test-only: a GraphClient for a running simulator (real HTTPS, real @azure/identity tokens).
import type { RunningSimulator } from '@holdfast/testing';
import { resolveCloud } from '../auth/clouds';
import { createTokenProvider } from '../auth/credential.factory';
import { GraphClient, GraphClientOptions } from '../http/graph-client';
import { InMemoryGraphMetrics } from '../metrics';

export function simulatorClient(sim: RunningSimulator, extra: Partial<Omit<GraphClientOptions, 'metrics'>> & { clientSecret?: string; metrics?: InMemoryGraphMetrics } = {}) {
  const cloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
  const tokenProvider = createTokenProvider(
    { kind: 'client-secret', tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: extra.clientSecret ?? sim.clientSecret },
    { cloud, ca: sim.caPem },
  );
  const metrics = (extra.metrics as InMemoryGraphMetrics | undefined) ?? new InMemoryGraphMetrics();
  const client = new GraphClient({
    tenantId: sim.tenantId,
    cloud,
    apps: [{ appId: sim.clientId, tokenProvider }],
    ca: sim.caPem,
    metrics,
    retry: { baseDelayMs: 50, maxDelayMs: 500 },
    ...extra,
  });
  return { client, metrics, cloud };
}
