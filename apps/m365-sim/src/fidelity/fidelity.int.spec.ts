/**
 * Walks every fidelity sample the modules register (ctx.sample) and checks each property name
 * and JSON type against Graph's v1.0 CSDL. One test per module so failures are attributed.
 */
import { simRequest, simulatorCredential, startSimulator, type RunningSimulator } from '@holdfast/testing';
import { checkObject, loadCsdl } from './csdl';

interface Sample {
  tenant: string;
  name: string;
  module: string;
  entityType: string;
  collection: boolean;
  url: string;
  headers: Record<string, string>;
}

const MODULES = ['directory', 'exchange', 'files', 'teams'];

describe('fidelity: what the simulator serves matches the Graph v1.0 metadata', () => {
  let sim: RunningSimulator;
  let samples: Sample[];
  let token: string;
  const model = loadCsdl();

  beforeAll(async () => {
    sim = await startSimulator({ users: 6, messagesPerUser: 5 });
    samples = (await sim.control('GET', '/fidelity/samples?tenant=contoso')).value;
    token = (await simulatorCredential(sim).getToken('https://graph.microsoft.com/.default'))!.token;
  }, 90_000);
  afterAll(() => sim?.stop());

  it.each(MODULES)('module %s: every sample answers 200 and uses only CSDL names and types', async (module) => {
    const loaded = sim.info.modules.includes(module);
    const mine = samples.filter((s) => s.module === module);
    if (!loaded) {
      expect(mine).toEqual([]);
      return;
    }
    expect(mine.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const s of mine) {
      expect(model.types.has(s.entityType)).toBe(true);
      const r = await simRequest(`${sim.graphBaseUrl}${s.url}`, sim.caPem, { headers: { Authorization: `Bearer ${token}`, ...s.headers } });
      if (r.status !== 200) {
        problems.push(`${s.name} ${s.url}: HTTP ${r.status} ${r.text().slice(0, 300)}`);
        continue;
      }
      const body = r.json();
      if (s.collection) {
        if (!Array.isArray(body.value)) {
          problems.push(`${s.name}: no value array`);
          continue;
        }
        if (body.value.length === 0) problems.push(`${s.name}: empty collection (a sample must show data)`);
        body.value.forEach((item: Record<string, unknown>, i: number) => problems.push(...checkObject(model, s.entityType, item, `${s.name}[${i}]`)));
      } else {
        problems.push(...checkObject(model, s.entityType, body, s.name));
      }
    }
    // one line per distinct problem (array positions folded)
    expect([...new Set(problems.map((p) => p.replace(/\[\d+\]/g, '[]')))]).toEqual([]);
  });
});
