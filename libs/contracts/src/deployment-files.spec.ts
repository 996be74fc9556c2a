import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { EnvSchema, WorkerEnvSchema } from './env.js';

/**
 * The deployment files in infra/ (Compose, Kubernetes) against the one list of variables the
 * processes read: every variable a file sets is one EnvSchema (API) or WorkerEnvSchema (workers)
 * reads, every variable a deployment at scale needs is set, and each role's environment parses.
 */
const infra = fileURLToPath(new URL('../../../infra/', import.meta.url));
const yamlDocs = (path: string) => parseAllDocuments(readFileSync(join(infra, path), 'utf8'), { merge: true }).map((d) => d.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>);

type Role = 'api' | 'worker-cpu' | 'worker-gpu';
interface Container {
  name: string;
  role: Role;
  env: Record<string, string>;
  args: string[];
}

/** Variables a deployment across machines must set for each role (defaults are for one machine). */
const REQUIRED: Record<Role, string[]> = {
  api: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'AGIQA_API_HOST', 'AGIQA_API_TOKEN', 'AGIQA_CPU_QUEUE', 'AGIQA_GPU_QUEUES'],
  'worker-cpu': ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'AGIQA_ARTIFACTS', 'AGIQA_CPU_QUEUE', 'AGIQA_GPU_QUEUES'],
  'worker-gpu': ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'AGIQA_ARTIFACTS', 'AGIQA_CPU_QUEUE', 'AGIQA_GPU_QUEUES'],
};
const schemaOf = (role: Role) => (role === 'api' ? EnvSchema : WorkerEnvSchema);
const roleOf = (name: string): Role | null => (name === 'api' ? 'api' : name === 'worker-cpu' ? 'worker-cpu' : name.startsWith('worker-gpu') ? 'worker-gpu' : null);

/** `${VAR:?…}` / `${VAR:-default}` of Compose, filled from example.env (a value every reader can parse). */
function interpolate(value: unknown, vars: Record<string, string>): string {
  return String(value).replace(/\$\{([A-Z0-9_]+)(?::[?-]([^}]*))?\}/g, (_, name: string, fallback?: string) => vars[name] ?? fallback ?? '');
}

function composeContainers(): Container[] {
  const vars = Object.fromEntries(
    readFileSync(join(infra, 'compose/example.env'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const [compose] = yamlDocs('compose/compose.yaml') as [{ services: Record<string, { environment?: Record<string, unknown>; command?: string[] }> }];
  return Object.entries(compose.services).flatMap(([name, service]) => {
    const role = roleOf(name);
    if (!role) return [];
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v, vars)]));
    return [{ name: `compose ${name}`, role, env, args: service.command ?? [] }];
  });
}

function kubernetesContainers(): Container[] {
  const docs = ['config.yaml', 'secret.example.yaml', 'api.yaml', 'worker-cpu.yaml', 'worker-gpu.yaml'].flatMap((f) => yamlDocs(`k8s/${f}`));
  const byName = (kind: string, name: string) => docs.find((d) => d.kind === kind && (d.metadata as { name: string }).name === name);
  const config = (byName('ConfigMap', 'agiqa-config')?.data ?? {}) as Record<string, string>;
  const secret = (byName('Secret', 'agiqa-secrets')?.stringData ?? {}) as Record<string, string>;
  return docs
    .filter((d) => d.kind === 'Deployment')
    .flatMap((d) => {
      const deployment = (d.metadata as { name: string }).name;
      const role = roleOf(deployment.replace(/^agiqa-/, '')) as Role;
      const spec = (d.spec as { template: { spec: { containers: K8sContainer[] } } }).template.spec;
      return spec.containers.map((c) => {
        const env: Record<string, string> = {};
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef) Object.assign(env, from.configMapRef.name === 'agiqa-config' ? config : fail(`unknown ConfigMap ${from.configMapRef.name}`));
          if (from.secretRef) Object.assign(env, from.secretRef.name === 'agiqa-secrets' ? secret : fail(`unknown Secret ${from.secretRef.name}`));
        }
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          env[e.name] = ref ? (secret[ref.key] ?? fail(`${deployment}: secret key ${ref.key} is not in agiqa-secrets`)) : String(e.value);
        }
        return { name: `k8s ${deployment}/${c.name}`, role, env, args: c.args ?? [] };
      });
    });
}

interface K8sContainer {
  name: string;
  args?: string[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: unknown; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}

function fail(message: string): never {
  throw new Error(message);
}

const containers = [...composeContainers(), ...kubernetesContainers()];

describe('deployment files (infra/compose, infra/k8s)', () => {
  it('describe the API, a CPU worker and GPU workers in both Compose and Kubernetes', () => {
    for (const prefix of ['compose', 'k8s']) {
      const roles = containers.filter((c) => c.name.startsWith(prefix)).map((c) => c.role);
      expect(new Set(roles)).toEqual(new Set(['api', 'worker-cpu', 'worker-gpu']));
    }
  });

  it.each(containers.map((c) => [c.name, c] as const))('%s sets only variables its process reads, and every one it needs', (_, container) => {
    const known = Object.keys(schemaOf(container.role).shape);
    expect(Object.keys(container.env).filter((name) => !known.includes(name))).toEqual([]);
    expect(REQUIRED[container.role].filter((name) => !container.env[name])).toEqual([]);
    expect(() => schemaOf(container.role).parse(container.env)).not.toThrow();
  });

  it('gives every GPU worker a device of its own and a GPU queue the deployment lists', () => {
    const gpus = containers.filter((c) => c.role === 'worker-gpu');
    for (const gpu of gpus) {
      const queue = gpu.args[gpu.args.indexOf('--gpu-queue') + 1];
      expect(gpu.args.slice(0, 2)).toEqual(['--role', 'gpu']);
      expect(gpu.env['AGIQA_GPU_QUEUES'].split(',')).toContain(queue);
    }
    const [compose] = yamlDocs('compose/compose.yaml') as [{ services: Record<string, { deploy?: { resources: { reservations: { devices: { device_ids: string[] }[] } } } }> }];
    const devices = Object.entries(compose.services)
      .filter(([name]) => name.startsWith('worker-gpu'))
      .map(([, s]) => s.deploy?.resources.reservations.devices[0].device_ids.join(','));
    expect(devices.length).toBeGreaterThanOrEqual(2);
    expect(new Set(devices).size).toBe(devices.length);
    const gpuDeployment = yamlDocs('k8s/worker-gpu.yaml')[0] as { spec: { template: { spec: { containers: { resources: { limits: Record<string, unknown> } }[] } } } };
    expect(gpuDeployment.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });

  it("probes the API's health endpoint for readiness", () => {
    const api = yamlDocs('k8s/api.yaml').find((d) => d.kind === 'Deployment') as { spec: { template: { spec: { containers: { readinessProbe: { httpGet: { path: string } } }[] } } } };
    expect(api.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/api/health');
  });
});
