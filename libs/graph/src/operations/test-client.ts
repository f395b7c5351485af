import { resolveCloud } from '../auth/clouds';
import { staticTokenProvider } from '../auth/token-provider';
import { Clock } from '../clock';
import { GraphClient } from '../http/graph-client';
import { InMemoryGraphMetrics } from '../metrics';
import { Pacer } from '../pacing/pacer';
import { FakeAnswer, FakeGraphTransport, RecordedRequest } from '../testing/fake-transport';

/** A GraphClient on a fake transport, for the operation unit tests. */
export function fakeClient(handler: (req: RecordedRequest, i: number) => FakeAnswer | Promise<FakeAnswer>, opts: { pacer?: Pacer; clock?: Clock; apps?: string[] } = {}) {
  const transport = new FakeGraphTransport(handler);
  const metrics = new InMemoryGraphMetrics();
  const client = new GraphClient({
    tenantId: 'contoso',
    cloud: resolveCloud('global', { graphEndpoint: 'https://graph.test' }),
    apps: (opts.apps ?? ['app-a']).map((appId) => ({ appId, tokenProvider: staticTokenProvider(`tok-${appId}`) })),
    transport,
    metrics,
    pacer: opts.pacer,
    clock: opts.clock,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  });
  return { client, transport, metrics };
}

export const G = 'https://graph.test/v1.0';
