import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { ALERTS_FILE, PROMETHEUS_RULE_FILE, renderPrometheusRule } from '../../../scripts/kubernetes/prometheus-rule';
import { loadConfig } from '../../../src/config/config';
import { ENV_NAMES } from '../../../src/config/schema';
import { bearerGuard } from '../../../src/http/bearer-guard';
import { listenOps, type OpsListener } from '../../../src/http/ops-listener';
import { registerMetrics, registerReady } from '../../../src/http/ops-routes';
import { createHttpServer } from '../../../src/http/server';
import { probeReadiness } from '../../../src/observability/readiness-probe';
import { kustomize, type KubeObject } from '../../helpers/kustomize';
import { schemaProblems } from '../../helpers/kubernetes-schema';
import { promtool } from '../../helpers/promtool';

/**
 * deploy/kubernetes, rendered by `kubectl kustomize` (no cluster here) and checked
 * against the Kubernetes API schema offline, then against the gateway itself: its
 * routes, its configuration, its shutdown, and the names the runbook uses.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const K8S = path.join(ROOT, 'deploy/kubernetes');
const SECRET = 'authz-gateway-secrets';
const REQUIRED_SECRET_KEYS = ['AUTHZ_L2_SIGNING_KEY', 'DATABASE_URL', 'METRICS_TOKEN'];
const OPTIONAL_SECRET_KEYS = ['APOLLO_KEY', 'AUTHZ_L2_SIGNING_KEY_PREVIOUS', 'AUTH_JWT_SECRET', 'REDIS_URL'];

// Loose shapes of the parts read here; the schema test above them checks the real types.
type Container = {
  name: string;
  image: string;
  command?: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  securityContext?: Record<string, any>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: any;
  livenessProbe?: any;
  readinessProbe?: any;
  lifecycle?: any;
};
type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, any>;
  volumes?: Array<{ name: string; emptyDir?: object; [source: string]: unknown }>;
  [field: string]: any;
};
type PodTemplate = { metadata: { labels: Record<string, string> }; spec: PodSpec };

let base: KubeObject[];
let production: KubeObject[];
let productionText: string;

beforeAll(async () => {
  base = (await kustomize(path.join(K8S, 'base'))).objects;
  const rendered = await kustomize(path.join(K8S, 'overlays/production'));
  production = rendered.objects;
  productionText = rendered.text;
});

function find(objects: KubeObject[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifest`);
  return found;
}
const deployment = (objects: KubeObject[]) => find(objects, 'Deployment', 'authz-gateway') as { spec: { template: PodTemplate; [f: string]: any } };
const job = (objects: KubeObject[]) => find(objects, 'Job', 'authz-gateway-migrate') as { spec: { template: PodTemplate; [f: string]: any } };
const allContainers = (pod: PodSpec) => [...(pod.initContainers ?? []), ...pod.containers];
const podTemplates = (objects: KubeObject[]) => [deployment(objects).spec.template, job(objects).spec.template];
const selects = (matchLabels: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(matchLabels).length > 0 && Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
const configData = (objects: KubeObject[]) => find(objects, 'ConfigMap', 'authz-gateway-config').data as Record<string, string>;
/** The gateway container's port of that name, as a number. */
function containerPort(objects: KubeObject[], name: string): number {
  const port = deployment(objects).spec.template.spec.containers[0]!.ports?.find((p) => p.name === name);
  if (!port) throw new Error(`the gateway container has no port named ${name}`);
  return port.containerPort;
}

describe.each([
  ['base', () => base],
  ['overlays/production', () => production],
])('%s', (_name, objects) => {
  test('every object is valid against the Kubernetes API schema, with no unknown field', () => {
    expect(objects().length).toBeGreaterThanOrEqual(8);
    for (const object of objects()) expect({ object: `${object.kind}/${object.metadata.name}`, problems: schemaProblems(object) }).toEqual({ object: `${object.kind}/${object.metadata.name}`, problems: [] });
  });

  test('the names the runbook uses exist: deployment/authz-gateway with container gateway, the Service, the ConfigMap, the migration Job', () => {
    const pod = deployment(objects()).spec.template.spec;
    expect(pod.containers.map((c) => c.name)).toEqual(['gateway']);
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['migrate']);
    expect(find(objects(), 'Service', 'authz-gateway').spec.ports).toEqual([
      expect.objectContaining({ name: 'http', port: 4000, targetPort: 'http' }),
      expect.objectContaining({ name: 'ops', port: 9464, targetPort: 'ops' }),
    ]);
    find(objects(), 'ConfigMap', 'authz-gateway-config');
    expect(job(objects()).spec.template.spec.containers.map((c) => c.name)).toEqual(['migrate']);
    const hpa = find(objects(), 'HorizontalPodAutoscaler', 'authz-gateway');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'authz-gateway' });
  });

  test('no Secret values anywhere: only references to the Secret authz-gateway-secrets', () => {
    expect(objects().filter((o) => o.kind === 'Secret')).toEqual([]);
    const refs = podTemplates(objects()).flatMap((t) => allContainers(t.spec)).flatMap((c) => c.env ?? []);
    for (const env of refs) {
      expect(env.value).toBeUndefined();
      expect(env.valueFrom?.secretKeyRef?.name).toBe(SECRET);
    }
    const gateway = deployment(objects()).spec.template.spec.containers[0]!;
    const byKey = new Map(gateway.env!.map((e) => [e.valueFrom!.secretKeyRef!.key, e.valueFrom!.secretKeyRef!.optional === true]));
    expect([...byKey].filter(([, optional]) => !optional).map(([key]) => key).sort()).toEqual(REQUIRED_SECRET_KEYS);
    expect([...byKey].filter(([, optional]) => optional).map(([key]) => key).sort()).toEqual(OPTIONAL_SECRET_KEYS);
    for (const env of gateway.env!) expect(env.name).toBe(env.valueFrom!.secretKeyRef!.key);
    const configKeys = Object.keys(find(objects(), 'ConfigMap', 'authz-gateway-config').data);
    for (const key of [...REQUIRED_SECRET_KEYS, ...OPTIONAL_SECRET_KEYS]) expect(configKeys).not.toContain(key);
  });

  test('the ConfigMap plus the Secret keys make a valid production configuration, and every key is a variable the gateway reads', () => {
    const data = find(objects(), 'ConfigMap', 'authz-gateway-config').data as Record<string, string>;
    const config = loadConfig({ ...data, DATABASE_URL: 'postgresql://authz:pw@postgres:5432/authz', METRICS_TOKEN: 'm'.repeat(32), AUTHZ_L2_SIGNING_KEY: 's'.repeat(44) });
    expect(config.env).toBe('production');
    expect(config.http).toEqual({ host: '0.0.0.0', port: 4000, opsPort: 9464 });
    expect(config.authMode).toBe('apikey');
    expect(config.seedDemoData).toBe(false);
    expect(config.redis.kind).toBe('redis');
    expect(config.observability.logFormat).toBe('json');
    expect(config.observability.metricsEnabled).toBe(true);
    expect(config.auth.metricsToken).not.toBeNull();
    expect(config.l2Signing.key).not.toBeNull();
    // Unknown variables are ignored by the gateway: a misspelt key would be lost silently.
    for (const key of Object.keys(data)) expect({ key, known: (ENV_NAMES as string[]).includes(key) }).toEqual({ key, known: true });
    // The migration gets the same ConfigMap (its settings are validated too) and the database.
    for (const container of allContainers(deployment(objects()).spec.template.spec).concat(job(objects()).spec.template.spec.containers)) {
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'authz-gateway-config' } }]);
      expect(container.env?.map((e) => e.name)).toContain('DATABASE_URL');
    }
  });

  test('the gateway container declares the configured ports: PORT named http, AUTHZ_OPS_PORT named ops', () => {
    const gateway = deployment(objects()).spec.template.spec.containers[0]!;
    const data = configData(objects());
    const opsPort = Number(data.AUTHZ_OPS_PORT);
    // 0 would make the gateway pick a free port, which no probe could name.
    expect(opsPort).toBeGreaterThan(0);
    expect(opsPort).not.toBe(Number(data.PORT));
    expect(gateway.ports).toEqual([
      expect.objectContaining({ name: 'http', containerPort: Number(data.PORT) }),
      expect.objectContaining({ name: 'ops', containerPort: opsPort }),
    ]);
  });

  test('every probe targets the operations port that the ConfigMap sets', () => {
    const gateway = deployment(objects()).spec.template.spec.containers[0]!;
    const opsPort = Number(configData(objects()).AUTHZ_OPS_PORT);
    for (const probe of [gateway.startupProbe, gateway.livenessProbe]) expect(containerPort(objects(), probe.httpGet.port)).toBe(opsPort);
    // The exec probe gets its port from the environment, which the ConfigMap fills.
    const script = (gateway.readinessProbe.exec.command as string[]).join(' ');
    expect(script).toContain('process.env.AUTHZ_OPS_PORT');
    expect(script).not.toContain('process.env.PORT');
    expect(gateway.envFrom).toEqual([{ configMapRef: { name: 'authz-gateway-config' } }]);
  });

  test('the Service maps each of its ports to the container port of the same name and number', () => {
    const service = find(objects(), 'Service', 'authz-gateway').spec as { ports: Array<{ name: string; port: number; targetPort: string }> };
    for (const port of service.ports) {
      expect(port.targetPort).toBe(port.name);
      expect(port.port).toBe(containerPort(objects(), port.name));
    }
  });

  test('every pod runs as the image user 1000, non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, writable /tmp only', () => {
    for (const template of podTemplates(objects())) {
      const pod = template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.enableServiceLinks).toBe(false);
      for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) expect(pod[field]).toBeUndefined();
      for (const volume of pod.volumes ?? []) expect(Object.keys(volume).sort()).toEqual(['emptyDir', 'name']);
      for (const container of allContainers(pod)) {
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
        expect(container.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.resources?.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      }
    }
  });

  test('migrations run before a pod serves: the init container and the Job run the image\'s compiled db-migrate script', () => {
    const command = ['node', 'dist/scripts/db-migrate.js'];
    expect(deployment(objects()).spec.template.spec.initContainers![0]!.command).toEqual(command);
    expect(job(objects()).spec.template.spec.containers[0]!.command).toEqual(command);
    // dist/scripts/db-migrate.js is scripts/db-migrate.ts compiled by the image's build.
    expect(readdirSync(path.join(ROOT, 'scripts'))).toContain('db-migrate.ts');
    const build = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(build.include).toContain('scripts/*.ts');
    expect(tsconfig.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
    expect(job(objects()).spec.template.spec.restartPolicy).toBe('Never');
    // Every container of the gateway's image moves with the overlay's `images:`.
    const images = new Set(podTemplates(objects()).flatMap((t) => allContainers(t.spec)).map((c) => c.image));
    expect(images.size).toBe(1);
  });

  test('a rollout keeps capacity: no pod goes before its replacement is ready; the autoscaler owns the count; disruptions take one pod at a time', () => {
    const spec = deployment(objects()).spec;
    expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(spec.replicas).toBeUndefined();
    const hpa = find(objects(), 'HorizontalPodAutoscaler', 'authz-gateway').spec;
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
    expect(hpa.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } }]);
    const pdb = find(objects(), 'PodDisruptionBudget', 'authz-gateway').spec;
    expect(pdb.maxUnavailable).toBe(1);
    const labels = spec.template.metadata.labels;
    expect(selects(spec.selector.matchLabels, labels)).toBe(true);
    expect(selects(pdb.selector.matchLabels, labels)).toBe(true);
    const spread = spec.template.spec.topologySpreadConstraints as Array<{ topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }>;
    expect(spread.map((c) => c.topologyKey).sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const constraint of spread) expect(selects(constraint.labelSelector.matchLabels, labels)).toBe(true);
  });

  test('the Service, the Deployment and the PDB select the gateway pods and never the migration Job\'s', () => {
    const gatewayLabels = deployment(objects()).spec.template.metadata.labels;
    const jobLabels = job(objects()).spec.template.metadata.labels;
    const service = find(objects(), 'Service', 'authz-gateway').spec.selector;
    expect(selects(service, gatewayLabels)).toBe(true);
    expect(selects(service, jobLabels)).toBe(false);
    expect(selects(deployment(objects()).spec.selector.matchLabels, jobLabels)).toBe(false);
    expect(selects(find(objects(), 'PodDisruptionBudget', 'authz-gateway').spec.selector.matchLabels, jobLabels)).toBe(false);
  });

  test('stopping fits the grace period: preStop sleep, then the gateway\'s shutdown limit and its last log lines', () => {
    const pod = deployment(objects()).spec.template.spec;
    const preStop = pod.containers[0]!.lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe('sleep');
    const sleepSeconds = Number(preStop[1]);
    expect(sleepSeconds).toBeGreaterThanOrEqual(3);
    // src/main.ts: exit at most 10 s after SIGTERM, then up to 2 s to write the log.
    const main = readFileSync(path.join(ROOT, 'src/main.ts'), 'utf8');
    const limit = /longer than \d+ s; exiting'\);\s*exit\(1\);\s*\}, ([\d_]+)\);/.exec(main);
    const logDrain = /drainLog\(logger, ([\d_]+)\)/.exec(main);
    expect(limit && logDrain).not.toBeNull();
    const shutdownSeconds = (Number(limit![1]!.replaceAll('_', '')) + Number(logDrain![1]!.replaceAll('_', ''))) / 1000;
    expect(shutdownSeconds).toBe(12);
    expect(sleepSeconds + shutdownSeconds).toBeLessThan(pod.terminationGracePeriodSeconds);
  });

  test('the NetworkPolicy lets callers in on port http only and Prometheus on port ops only, and out only DNS, PostgreSQL and Redis, for the gateway and the migration', () => {
    const policy = find(objects(), 'NetworkPolicy', 'authz-gateway').spec;
    for (const template of podTemplates(objects())) expect(selects(policy.podSelector.matchLabels, template.metadata.labels)).toBe(true);
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    const rules = (policy.ingress as Array<{ ports: Array<{ port: string; protocol: string }>; from: unknown[] }>).map((rule) => ({
      ports: rule.ports,
      callers: JSON.stringify(rule.from).includes('"authz-gateway/client":"true"'),
      prometheus: JSON.stringify(rule.from).includes('"app.kubernetes.io/name":"prometheus"'),
    }));
    expect(rules).toEqual([
      { ports: [{ port: 'http', protocol: 'TCP' }], callers: true, prometheus: false },
      { ports: [{ port: 'ops', protocol: 'TCP' }], callers: false, prometheus: true },
    ]);
    // A named port that the container does not declare would admit nothing.
    for (const rule of rules) for (const port of rule.ports) expect(containerPort(objects(), port.port)).toBeGreaterThan(0);
    const egressPorts = (policy.egress as Array<{ ports: Array<{ port: number; protocol: string }> }>).flatMap((rule) => rule.ports);
    expect(egressPorts.map((p) => `${p.protocol}/${p.port}`).sort()).toEqual(['TCP/53', 'TCP/5432', 'TCP/6379', 'UDP/53']);
  });
});

describe('the probes and the scrape against the gateway\'s own routes on its operations port', () => {
  const token = 'probe-token-'.padEnd(32, 'x');
  let app: FastifyInstance;
  let mainPort: number;
  let ops: OpsListener;
  let opsPort: number;
  let databaseUp = true;

  beforeAll(async () => {
    app = createHttpServer({ bodyLimitBytes: 1024 });
    const probe = () => probeReadiness({
      database: { ping: async () => { if (!databaseUp) throw new Error('connection refused'); } },
      l2: null,
      cacheEnabled: true,
      timeoutMs: 1_000,
    });
    registerReady(app, probe, bearerGuard(token));
    registerMetrics(app, new Registry(), bearerGuard(token));
    await app.listen({ host: '127.0.0.1', port: 0 });
    mainPort = (app.server.address() as { port: number }).port;
    // The gateway's operations listener (src/app.ts opens it the same way, after PORT).
    ops = await listenOps(app, { host: '127.0.0.1', port: 0 });
    opsPort = Number(new URL(ops.url).port);
  });
  afterAll(async () => {
    await ops.close();
    await app.close();
  });

  /** Runs the readiness probe's command as the kubelet would, inside the container's environment. */
  function runReadiness(env: Record<string, string>): Promise<number> {
    const command = deployment(production).spec.template.spec.containers[0]!.readinessProbe.exec.command as string[];
    return new Promise((resolve) => {
      execFile(command[0]!, command.slice(1), { env: { PATH: process.env.PATH!, ...env }, timeout: 15_000 }, (error) => {
        resolve(error ? (typeof error.code === 'number' ? error.code : -1) : 0);
      });
    });
  }

  test('liveness and startup probes GET /health on port ops, which answers 200 without credentials', async () => {
    const gateway = deployment(production).spec.template.spec.containers[0]!;
    for (const probe of [gateway.livenessProbe, gateway.startupProbe]) {
      expect(probe.httpGet).toEqual({ path: '/health', port: 'ops' });
      const res = await fetch(`http://127.0.0.1:${opsPort}${probe.httpGet.path}`);
      expect(res.status).toBe(200);
    }
    expect(gateway.startupProbe.periodSeconds * gateway.startupProbe.failureThreshold).toBeGreaterThanOrEqual(60);
  });

  test('the readiness command passes on /ready at AUTHZ_OPS_PORT with the token from the environment, and fails without PostgreSQL or with a wrong token', async () => {
    expect(await runReadiness({ AUTHZ_OPS_PORT: String(opsPort), METRICS_TOKEN: token })).toBe(0);
    expect(await runReadiness({ AUTHZ_OPS_PORT: String(opsPort), METRICS_TOKEN: 'not-the-token-'.padEnd(32, 'y') })).toBe(1);
    databaseUp = false;
    try {
      expect(await runReadiness({ AUTHZ_OPS_PORT: String(opsPort), METRICS_TOKEN: token })).toBe(1);
    } finally {
      databaseUp = true;
    }
  });

  test('the readiness command reads AUTHZ_OPS_PORT only: without it, it fails rather than probe PORT', async () => {
    // /ready on PORT would pass: the command must not fall back to it.
    expect((await fetch(`http://127.0.0.1:${mainPort}/ready`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(await runReadiness({ PORT: String(mainPort), METRICS_TOKEN: token })).toBe(1);
  });

  test('the ServiceMonitor scrapes /metrics on port ops, which the Service has, with the bearer token METRICS_TOKEN, which /metrics requires', async () => {
    const monitor = find(production, 'ServiceMonitor', 'authz-gateway').spec;
    const [endpoint] = monitor.endpoints;
    expect(monitor.endpoints).toHaveLength(1);
    expect(endpoint).toMatchObject({ port: 'ops', path: '/metrics', authorization: { type: 'Bearer', credentials: { name: SECRET, key: 'METRICS_TOKEN' } } });
    // The job label is the Service's name, as the alert AuthzInstanceDown expects.
    expect(monitor.jobLabel).toBeUndefined();
    expect(readFileSync(path.join(ROOT, ALERTS_FILE), 'utf8')).toContain('up{job="authz-gateway"}');
    const service = find(production, 'Service', 'authz-gateway');
    expect(selects(monitor.selector.matchLabels, service.metadata.labels)).toBe(true);
    // The Operator resolves the endpoint's port by the Service port's name, then the pod's.
    const servicePort = (service.spec.ports as Array<{ name: string; targetPort: string }>).find((p) => p.name === endpoint.port);
    expect(servicePort).toBeDefined();
    expect(containerPort(production, servicePort!.targetPort)).toBe(Number(configData(production).AUTHZ_OPS_PORT));
    const url = `http://127.0.0.1:${opsPort}${endpoint.path}`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});

describe('the production overlay', () => {
  test('puts every object in namespace authz, which enforces the restricted Pod Security Standard', () => {
    const namespace = find(production, 'Namespace', 'authz');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const object of production.filter((o) => o.kind !== 'Namespace')) expect(`${object.kind}/${object.metadata.name}:${object.metadata.namespace}`).toBe(`${object.kind}/${object.metadata.name}:authz`);
    for (const object of base) expect(object.metadata.namespace).toBeUndefined();
  });

  test('retags the gateway, its init container and the Job to the overlay\'s image, and sizes the gateway', () => {
    const overlay = parse(readFileSync(path.join(K8S, 'overlays/production/kustomization.yaml'), 'utf8')) as { images: Array<{ name: string; newName: string; newTag: string }> };
    const [image] = overlay.images;
    expect(image!.name).toBe('authz-gateway');
    for (const container of podTemplates(production).flatMap((t) => allContainers(t.spec))) expect(container.image).toBe(`${image!.newName}:${image!.newTag}`);
    for (const container of podTemplates(base).flatMap((t) => allContainers(t.spec))) expect(container.image).toBe('authz-gateway');
    const gateway = deployment(production).spec.template.spec.containers[0]!;
    expect(gateway.resources).not.toEqual(deployment(base).spec.template.spec.containers[0]!.resources);
    expect(deployment(production).spec.template.spec.initContainers![0]!.resources).toEqual(deployment(base).spec.template.spec.initContainers![0]!.resources);
  });

  test('includes the monitoring component, and its rendering is plain YAML an operator can read', () => {
    expect(production.map((o) => o.kind)).toEqual(expect.arrayContaining(['ServiceMonitor', 'PrometheusRule']));
    expect(base.map((o) => o.kind)).not.toContain('ServiceMonitor');
    expect(productionText).not.toMatch(/\t/);
    expect(productionText.split('\n---\n')).toHaveLength(production.length);
  });
});

describe('the PrometheusRule, generated from deploy/prometheus/alerts.yml', () => {
  const alertsText = readFileSync(path.join(ROOT, ALERTS_FILE), 'utf8');

  test('is up to date (regenerate with `npm run generate:k8s-rules`)', () => {
    expect(readFileSync(path.join(ROOT, PROMETHEUS_RULE_FILE), 'utf8')).toBe(renderPrometheusRule(alertsText));
  });

  test('carries exactly the rule groups of alerts.yml, and promtool accepts them', async () => {
    const rule = find(production, 'PrometheusRule', 'authz-gateway');
    const alerts = parse(alertsText) as { groups: Array<{ rules: unknown[] }> };
    expect(rule.spec.groups).toEqual(alerts.groups);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'authz-k8s-rules-')), 'rules.yml');
    writeFileSync(file, stringify({ groups: rule.spec.groups }));
    const res = await promtool(['check', 'rules', file]);
    const count = alerts.groups.reduce((n, g) => n + g.rules.length, 0);
    expect(res.stdout + res.stderr).toContain(`SUCCESS: ${count} rules found`);
    expect(res.code).toBe(0);
  });

  test('the generator refuses a file without rule groups', () => {
    expect(() => renderPrometheusRule('rules: []\n')).toThrow(/non-empty `groups` list/);
    expect(() => renderPrometheusRule('groups: [\n')).toThrow(ALERTS_FILE);
  });
});

describe('schemaProblems (the schema check used above)', () => {
  test('reports wrong types and fields the schema does not know, which the schema alone lets through', () => {
    const broken = structuredClone(deployment(production)) as any;
    broken.spec.template.spec.containers[0].readinesProbe = broken.spec.template.spec.containers[0].readinessProbe;
    expect(schemaProblems(broken)).toEqual(['data/spec/template/spec/containers/0/readinesProbe is not a field of apps/v1 Deployment']);
    broken.spec.replicas = 'three';
    expect(schemaProblems(broken)).toEqual(['data/spec/replicas must be integer']);
    const monitor = structuredClone(find(production, 'ServiceMonitor', 'authz-gateway')) as any;
    monitor.spec.endpoints[0].bearerTokenSecrett = { name: SECRET, key: 'METRICS_TOKEN' };
    expect(schemaProblems(monitor)).toEqual(['data/spec/endpoints/0/bearerTokenSecrett is not a field of monitoring.coreos.com/v1 ServiceMonitor']);
    expect(schemaProblems({ apiVersion: 'example.com/v1', kind: 'Widget' })).toEqual(['no schema here for example.com/v1 Widget']);
  });
});
