import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { loadConfig } from '@holdfast/config';
import type { ServiceDefinition } from '@holdfast/service-kit';
import { authService } from '@holdfast/service-auth';
import { backupWorkerService } from '@holdfast/service-backup-worker';
import { catalogService } from '@holdfast/service-catalog';
import { gatewayService } from '@holdfast/service-gateway';
import { inventoryService } from '@holdfast/service-inventory';
import { recoveryService } from '@holdfast/service-recovery';
import { retentionService } from '@holdfast/service-retention';
import { schedulerService } from '@holdfast/service-scheduler';

const root = path.resolve(__dirname, '..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');
const services: ServiceDefinition[] = [
  gatewayService,
  authService,
  inventoryService,
  schedulerService,
  backupWorkerService,
  retentionService,
  catalogService,
  recoveryService,
];

/** Variables a service cannot start without: no default and not optional. */
function requiredVariables(def: ServiceDefinition): string[] {
  return Object.entries(def.configSchema.shape)
    .filter(([, schema]) => !(schema as z.ZodType).safeParse(undefined).success)
    .map(([name]) => name);
}
function defaultPort(def: ServiceDefinition): number {
  return (def.configSchema.shape.PORT as z.ZodType<number>).parse(undefined);
}
/** Compose interpolation as a user's shell would fill it: `${X:?msg}` and `${X:-d}` given sample values. */
function interpolate(value: string): string {
  const samples: Record<string, string> = {
    HOLDFAST_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
    HOLDFAST_REPOSITORY_PASSWORD: 'a-long-password',
  };
  return value.replace(/\$\{([A-Z_]+)(:[?-][^}]*)?\}/g, (_, name: string, rest?: string) =>
    samples[name] ?? (rest?.startsWith(':-') ? rest.slice(2) : ''),
  );
}

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } };
type Container = {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  envFrom: { configMapRef?: { name: string } }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
};
type K8sDoc = { kind: string; metadata: { name: string }; spec: Record<string, unknown> };

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<
      string,
      { build?: { dockerfile: string; args: { SERVICE: string } }; image?: string; command?: string[]; environment?: Record<string, string>; ports?: string[]; expose?: string[] }
    >;
  };

  it('runs Postgres, NATS with JetStream and MinIO', () => {
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
    expect(compose.services.nats.command).toContain('-js');
    expect(compose.services.minio.image).toMatch(/^minio\/minio/);
  });

  it.each(services.map((s) => [s.name, s]))('runs %s from the one Dockerfile with a valid configuration', (name, def) => {
    const svc = compose.services[name as string];
    expect(svc).toBeDefined();
    expect(svc.build).toEqual({ context: '.', dockerfile: 'Dockerfile', args: { SERVICE: name } });
    const env = Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
    for (const variable of requiredVariables(def)) expect(env[variable]).toBeTruthy();
    // the values themselves pass the service's own validation
    const config = loadConfig(def.configSchema, env) as { PORT: number; HOLDFAST_BUS: string };
    expect(config.PORT).toBe(defaultPort(def));
    expect(config.HOLDFAST_BUS).toBe('jetstream');
    const exposed = [...(svc.ports ?? []).map((p) => p.split(':').pop()), ...(svc.expose ?? [])];
    expect(exposed).toContain(String(config.PORT));
  });

  it('publishes the gateway (API and portal) on 8080', () => {
    expect(compose.services.gateway.ports).toContain('8080:8080');
  });
});

describe('infra/k8s (kustomize)', () => {
  const base = parse(read('infra/k8s/base/kustomization.yaml')) as {
    resources: string[];
    configMapGenerator: { name: string; literals: string[] }[];
  };
  const docs = base.resources.flatMap((file) =>
    parseAllDocuments(read(`infra/k8s/base/${file}`)).map((d) => d.toJSON() as K8sDoc),
  );
  const configMaps = new Map(
    base.configMapGenerator.map((g) => [g.name, Object.fromEntries(g.literals.map((l) => l.split(/=(.*)/s).slice(0, 2)))]),
  );
  const dev = parse(read('infra/k8s/overlays/dev/kustomization.yaml')) as {
    resources: string[];
    secretGenerator: { name: string; literals: string[] }[];
  };
  const devSecrets = Object.fromEntries(
    dev.secretGenerator.find((s) => s.name === 'holdfast-secrets')!.literals.map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );
  const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

  it.each(services.map((s) => [s.name, s]))('deploys %s with its config, port and probes', (name, def) => {
    const deployment = find('Deployment', `holdfast-${name}`);
    expect(deployment).toBeDefined();
    const container = (deployment!.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0];
    expect(container.image).toBe(`holdfast/${name}`);

    // the environment the pod gets: config maps, then env (secrets filled from the dev overlay)
    const env: Record<string, string> = {};
    for (const from of container.envFrom) Object.assign(env, configMaps.get(from.configMapRef!.name));
    for (const e of container.env) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        expect(ref.name).toBe('holdfast-secrets');
        if (!ref.optional) expect(devSecrets[ref.key]).toBeDefined();
      }
      const value = e.value ?? (ref ? devSecrets[ref.key] : undefined);
      if (value !== undefined) env[e.name] = value;
    }
    for (const variable of requiredVariables(def)) expect(env[variable]).toBeTruthy();
    const config = loadConfig(def.configSchema, env) as { PORT: number; HOLDFAST_BUS: string };
    expect(config.HOLDFAST_BUS).toBe('jetstream');
    expect(config.PORT).toBe(defaultPort(def));

    const port = container.ports.find((p) => p.name === 'http')!;
    expect(port.containerPort).toBe(config.PORT);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });

    const service = find('Service', `holdfast-${name}`);
    expect(service).toBeDefined();
    expect((service!.spec as { ports: { port: number; targetPort: string }[] }).ports[0]).toMatchObject({
      port: config.PORT,
      targetPort: 'http',
    });
  });

  it('scales backup-workers horizontally', () => {
    const hpa = find('HorizontalPodAutoscaler', 'holdfast-backup-worker');
    expect(hpa?.spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'holdfast-backup-worker' } });
    expect((hpa!.spec as { maxReplicas: number }).maxReplicas).toBeGreaterThan(1);
  });

  it('has a dev overlay built on the base', () => {
    expect(dev.resources).toContain('../../base');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('is multi-stage on node 20 and takes the service as an argument', () => {
    expect(dockerfile.match(/^FROM node:20\S* AS \w+/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^ARG SERVICE$/m);
    expect(dockerfile).toContain('apps/${HOLDFAST_SERVICE}/src/main.ts');
  });
  it.each(services.map((s) => [s.name]))('has an entry point for %s', (name) => {
    expect(read(`apps/${name}/src/main.ts`)).toContain('runService(');
  });
});
