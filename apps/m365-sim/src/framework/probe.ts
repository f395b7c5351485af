/**
 * TEST-ONLY routes (loaded with `start --probe`, never by default): exercise the framework's
 * throttling, delta and fault machinery independently of the workload modules. Paths live
 * under `/users/{id}/simProbe...`, `/sites/simProbe`, `/teams/{id}/simProbe`, `/simProbe/...`.
 */
import { ChangeLog } from './delta';
import { GraphHttpError } from './graph-error';
import type { Sim } from './sim-server';

export function registerProbe(sim: Sim): void {
  const holds = new Map<string, (() => void)[]>();
  const log = new ChangeLog();
  const items = new Map<string, { id: string; name: string; version: number }>();
  for (let i = 0; i < 25; i++) {
    const id = sim.world.guid('probe', i);
    items.set(id, { id, name: `item ${i}`, version: 0 });
  }
  sim.world.onJournal<{ id: string; kind: 'created' | 'updated' | 'deleted'; name?: string }>('probe.changed', (_t, d) => {
    if (d.kind === 'deleted') items.delete(d.id);
    else {
      const it = items.get(d.id) ?? { id: d.id, name: d.name ?? d.id, version: 0 };
      it.version++;
      if (d.name) it.name = d.name;
      items.set(d.id, it);
    }
    log.record(d.id, d.kind);
  });
  sim.mutation<{ id?: string; kind: 'created' | 'updated' | 'deleted'; name?: string }>({
    name: 'probe.change',
    description: 'TEST ONLY: change a probe item {"id"?, "kind", "name"?}',
    run: (t, p) => {
      const id = p.id ?? sim.world.newId();
      sim.world.commit('probe.changed', t, { id, kind: p.kind, name: p.name });
      return { id };
    },
  });

  const wait = async (key: string | undefined) => {
    if (!key) return;
    await new Promise<void>((resolve) => {
      const l = holds.get(key) ?? [];
      l.push(resolve);
      holds.set(key, l);
    });
  };
  sim.control({
    method: 'GET',
    path: '/probe/holds/:key',
    description: 'TEST ONLY: number of requests waiting on a hold key',
    handler: (q, res) => res.json({ waiting: holds.get(q.params.key)?.length ?? 0 }),
  });
  sim.control({
    method: 'POST',
    path: '/probe/holds/:key/release',
    description: 'TEST ONLY: release requests waiting on a hold key',
    handler: (q, res) => {
      const l = holds.get(q.params.key) ?? [];
      holds.delete(q.params.key);
      l.forEach((r) => r());
      res.json({ released: l.length });
    },
  });

  const mailbox = (userId: string, tenant: import('./world').TenantState) => (sim.world.user(tenant, userId)?.id ?? userId).toLowerCase();
  sim.route({
    name: 'probe.outlook',
    method: 'GET',
    path: '/users/:userId/simProbe',
    roles: ['Mail.Read', 'Mail.ReadWrite'],
    service: 'outlook',
    throttle: (req) => ({ kind: 'outlook', mailbox: mailbox(req.params.userId, req.tenant) }),
    handler: async (req, res) => {
      await wait(req.query.hold);
      res.json({ mailbox: mailbox(req.params.userId, req.tenant) });
    },
  });
  sim.route({
    name: 'probe.outlook.upload',
    method: 'POST',
    path: '/users/:userId/simProbe/upload',
    roles: ['Mail.ReadWrite'],
    service: 'outlook',
    throttle: (req) => ({ kind: 'outlook', mailbox: mailbox(req.params.userId, req.tenant), uploadBytes: Number(req.headers['content-length'] ?? 0) }),
    handler: async (req, res) => res.json({ bytes: (await req.body()).length }, 201),
  });
  sim.route({
    name: 'probe.sharepoint',
    method: 'GET',
    path: '/sites/simProbe',
    roles: ['Sites.Read.All', 'Files.Read.All'],
    service: 'sharepoint',
    throttle: (req) => ({ kind: 'sharepoint', ru: Number(req.query.ru ?? 1) }),
    handler: (_req, res) => res.json({ ok: true }),
  });
  sim.route({
    name: 'probe.teams',
    method: 'GET',
    path: '/teams/:teamId/simProbe',
    roles: ['Team.ReadBasic.All'],
    service: 'teams',
    throttle: (req) => ({ kind: 'teams', bucket: 'other', resource: req.params.teamId }),
    handler: (_req, res) => res.json({ ok: true }),
  });
  sim.route({
    name: 'probe.items.delta',
    method: 'GET',
    path: '/simProbe/items/delta',
    roles: ['Files.Read.All'],
    service: 'generic',
    handler: (req, res) =>
      sim.delta.respond(req, res, {
        module: 'probe',
        collection: `probe:${req.tenant.id}`,
        log,
        all: () => [...items.values()],
        get: (id) => items.get(id),
        id: (x) => x.id,
        render: (x) => ({ id: x.id, name: x.name, version: x.version }),
        defaultPageSize: 10,
        maxPageSize: 100,
        bind: req.query.$select ? { $select: req.query.$select } : undefined,
      }),
  });
  sim.route({
    name: 'probe.items.get',
    method: 'GET',
    path: '/simProbe/items/:id',
    roles: ['Files.Read.All'],
    service: 'generic',
    handler: (req, res) => {
      const it = items.get(req.params.id);
      if (!it) throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
      if (sim.faults.vanish('probe.items.get')) {
        sim.world.commit('probe.changed', req.tenant, { id: it.id, kind: 'deleted' });
        throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
      }
      res.json(it);
    },
  });
}
