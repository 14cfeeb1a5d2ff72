/**
 * The deployment files, parsed and checked against the code: every function target
 * is deployed, env names are ones the config schemas read (and their values pass them), secrets
 * come from Secrets, probes and limits are set, and the forwarder's RBAC is exactly least privilege.
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { dumpYaml, loadYaml } from '@kubernetes/client-node';
import { ConfigSchema, loadConfig } from '../../shared/config.js';
import { shutdownGraceMs, type Target } from '../../functions/targets.js';
import { loadForwarderConfig, USAGE } from '../../forwarder/config.js';
import { FORWARDER_NODE_OPTIONS } from '../../forwarder/nodeOptions.js';

// Manifests are arbitrary nested YAML; `any` keeps the walk readable.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Doc = any;

const ROOT = path.resolve(import.meta.dirname, '../..');
const FUNCTION_ENV = new Set(Object.keys(ConfigSchema.shape));
/** The forwarder's variables, as its own usage text lists them (flag, variable, default). */
const FORWARDER_ENV = new Set([...USAGE.matchAll(/^\s+--\S+\s+([A-Z][A-Z0-9_]*)\s+default:/gm)].map((m) => m[1]!));
/** shared/log.ts reads LOG_LEVEL in every process, the forwarder's too. */
const SHARED_ENV = new Set(['LOG_LEVEL']);

async function docs(dir: string): Promise<{ file: string; doc: Doc }[]> {
  const out: { file: string; doc: Doc }[] = [];
  // `*.yaml.example`: templates to fill in (Secrets), kept out of `kubectl apply -f <dir>`
  for (const file of (await readdir(path.join(ROOT, dir))).filter((f) => f.endsWith('.yaml') || f.endsWith('.yaml.example')).sort()) {
    const parsed = parseAllDocuments(await readFile(path.join(ROOT, dir, file), 'utf8'));
    for (const d of parsed) {
      expect(d.errors, `${dir}/${file}`).toEqual([]);
      out.push({ file: `${dir}/${file}`, doc: d.toJS() });
    }
  }
  return out;
}

/** Env of a container as a plain object: literal values, and secret references as a placeholder long enough for any token check. */
function envOf(container: Doc): { env: Record<string, string>; secretRefs: Record<string, { name: string; key: string }> } {
  const env: Record<string, string> = {};
  const secretRefs: Record<string, { name: string; key: string }> = {};
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef) {
      secretRefs[e.name] = e.valueFrom.secretKeyRef;
      env[e.name] = e.name === 'DATABASE_URL' ? 'postgres://role:secret@db.example/tekton_events' : `from-secret-${e.name}-0123456789`;
    } else {
      env[e.name] = String(e.value);
    }
  }
  return { env, secretRefs };
}

async function functionTargets(): Promise<string[]> {
  const mod = (await import('../../functions/index.js')) as Record<string, unknown>;
  return Object.keys(mod).filter((k) => typeof mod[k] === 'function').sort();
}

describe('deployment files', () => {
  it('serverless.yml targets Serverless v3 on Google Cloud Functions and lists every exported function', async () => {
    const sls = parse(await readFile(path.join(ROOT, 'serverless.yml'), 'utf8')) as Doc;
    expect(sls.frameworkVersion).toBe('3');
    expect(sls.plugins).toContain('serverless-google-cloudfunctions');
    expect(sls.provider).toMatchObject({ name: 'google', runtime: 'nodejs20' });
    const targets = await functionTargets();
    expect(targets).toEqual(expect.arrayContaining(['cleanup', 'healthz', 'ingest', 'query']));
    expect(Object.keys(sls.functions).sort()).toEqual(targets);
    for (const [name, fn] of Object.entries<Doc>(sls.functions)) {
      expect(fn.handler, name).toBe(name);
      expect(fn.events, name).toEqual([{ http: name }]);
      for (const key of Object.keys({ ...sls.provider.environment, ...fn.environment, ...fn.secrets })) expect(FUNCTION_ENV, `${name}: ${key}`).toContain(key);
    }
  });

  it('serverless.yml gives each function its own database role and only the tokens it checks, as Secret Manager secrets', async () => {
    const fns = (parse(await readFile(path.join(ROOT, 'serverless.yml'), 'utf8')) as Doc).functions;
    const secret = (fn: string, key: string) => fns[fn].secrets?.[key]?.secret as string | undefined;
    expect(secret('ingest', 'DATABASE_URL')).toBe('${self:custom.secretPrefix}-ingest-database-url');
    expect(secret('query', 'DATABASE_URL')).toBe('${self:custom.secretPrefix}-query-database-url');
    expect(secret('healthz', 'DATABASE_URL')).toBe('${self:custom.secretPrefix}-query-database-url');
    expect(secret('cleanup', 'DATABASE_URL')).toBe('${self:custom.secretPrefix}-cleanup-database-url');
    expect(secret('ingest', 'INGEST_TOKEN')).toBeDefined();
    expect(secret('query', 'QUERY_TOKEN')).toBeDefined();
    expect(secret('cleanup', 'CLEANUP_TOKEN')).toBeDefined();
    expect(Object.keys(fns.ingest.secrets)).not.toContain('CLEANUP_TOKEN');
    expect(Object.keys(fns.query.secrets)).not.toContain('INGEST_TOKEN');
    for (const [name, fn] of Object.entries<Doc>(fns)) {
      for (const key of Object.keys(fn.environment ?? {})) expect(key, `${name}: a secret in plain environment`).not.toMatch(/TOKEN|DATABASE_URL/);
    }
  });

  it('has a Knative Service per function target (healthz is every service’s /healthz), with autoscaling, liveness on /healthz and readiness on /readyz, limits and secrets', async () => {
    const all = await docs('deploy/knative');
    const services = all.filter((d) => d.doc.kind === 'Service' && d.doc.apiVersion === 'serving.knative.dev/v1');
    const targets = (await functionTargets()).filter((t) => t !== 'healthz');
    expect(services.map((s) => s.doc.metadata.name).sort()).toEqual(targets.map((t) => `tekton-events-${t}`));
    for (const { file, doc } of services) {
      const target = doc.metadata.name.replace('tekton-events-', '');
      const ann = doc.spec.template.metadata.annotations;
      for (const key of ['class', 'metric', 'target', 'min-scale', 'max-scale']) expect(ann, file).toHaveProperty(`autoscaling.knative.dev/${key}`);
      expect(Number(ann['autoscaling.knative.dev/max-scale'])).toBeGreaterThanOrEqual(Number(ann['autoscaling.knative.dev/min-scale']));
      const [container, ...more] = doc.spec.template.spec.containers;
      expect(more, file).toEqual([]);
      expect(container.image, file).toMatch(/^[a-z0-9.-]+(\/[a-z0-9._-]+)+\/tekton-events-functions:[\w.-]+$/);
      expect(container.args, file).toEqual([`--target=${target}`]);
      expect(container.readinessProbe.httpGet.path, file).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path, file).toBe('/healthz');
      expect(container.resources.limits, file).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      expect(container.securityContext, file).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
      const { env, secretRefs } = envOf(container);
      for (const key of Object.keys(env)) expect(FUNCTION_ENV, `${file}: ${key}`).toContain(key);
      expect(Object.keys(secretRefs), file).toContain('DATABASE_URL');
      for (const key of Object.keys(env).filter((k) => /TOKEN$|DATABASE_URL/.test(k))) expect(secretRefs, `${file}: ${key} must come from a Secret`).toHaveProperty(key);
      // each service reads only its own Secret
      expect(new Set(Object.values(secretRefs).map((r) => r.name)), file).toEqual(new Set([`tekton-events-${target}`]));
      expect(() => loadConfig(env), file).not.toThrow();
      // Knative gives a stopping revision its timeoutSeconds: serve.ts must answer what is in flight within it.
      const config = loadConfig({ ...env, DATABASE_URL: 'postgres://x@localhost/x' });
      expect(shutdownGraceMs(target as Target, config), file).toBeLessThanOrEqual(Number(doc.spec.template.spec.timeoutSeconds) * 1000);
    }
    const ingest = services.find((s) => s.doc.metadata.name === 'tekton-events-ingest')!;
    expect(envOf(ingest.doc.spec.template.spec.containers[0]).secretRefs).toHaveProperty('INGEST_TOKEN');
    const cleanup = services.find((s) => s.doc.metadata.name === 'tekton-events-cleanup')!;
    expect(envOf(cleanup.doc.spec.template.spec.containers[0]).secretRefs).toHaveProperty('CLEANUP_TOKEN');
  });

  it('ships a Secret template with every key the Knative Services reference', async () => {
    const all = await docs('deploy/knative');
    const secrets = new Map(all.filter((d) => d.doc.kind === 'Secret').map((d) => [d.doc.metadata.name, Object.keys(d.doc.stringData)]));
    const refs = all.flatMap((d) =>
      d.doc.kind === 'Service' ? Object.values(envOf(d.doc.spec.template.spec.containers[0]).secretRefs) : d.doc.kind === 'CronJob' ? Object.values(envOf(d.doc.spec.jobTemplate.spec.template.spec.containers[0]).secretRefs) : [],
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(secrets.get(ref.name), `${ref.name}/${ref.key}`).toContain(ref.key);
  });

  it('deploys the forwarder with probes on /healthz and /readyz, limits, and only variables its config reads', async () => {
    const all = await docs('deploy/forwarder');
    expect(FORWARDER_ENV.size).toBeGreaterThan(5);
    const [deployment, ...others] = all.filter((d) => d.doc.kind === 'Deployment');
    expect(others).toEqual([]);
    const spec = deployment!.doc.spec.template.spec;
    // two replicas, one leading (leader election: test/forwarder/leaseRbac.test.ts)
    expect(deployment!.doc.spec.replicas).toBe(2);
    const [container] = spec.containers;
    expect(container.image).toMatch(/^[a-z0-9.-]+(\/[a-z0-9._-]+)+\/tekton-events-forwarder:[\w.-]+$/);
    const { env: containerEnv, secretRefs } = envOf(container);
    // NODE_OPTIONS is read by Node, not the config: the heap settings the benchmark measures.
    const { NODE_OPTIONS, ...env } = containerEnv;
    expect(NODE_OPTIONS).toBe(FORWARDER_NODE_OPTIONS);
    for (const key of Object.keys(env)) expect(new Set([...FORWARDER_ENV, ...SHARED_ENV]), key).toContain(key);
    expect(secretRefs).toHaveProperty('SINK_TOKEN');
    const config = loadForwarderConfig([], env);
    expect(config.storeEvents).toBe(false);
    expect(loadForwarderConfig([], { ...env, STORE_EVENTS: 'true' }).sink).toBe(env['K_SINK']);
    const port = container.ports.find((p: Doc) => p.name === 'http');
    expect(port.containerPort).toBe(config.port);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.resources.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(container.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    const sa = all.find((d) => d.doc.kind === 'ServiceAccount')!.doc;
    expect(spec.serviceAccountName).toBe(sa.metadata.name);
    const secret = all.find((d) => d.doc.kind === 'Secret')!.doc;
    expect(secret.metadata.name).toBe(secretRefs['SINK_TOKEN']!.name);
    expect(Object.keys(secret.stringData)).toContain(secretRefs['SINK_TOKEN']!.key);
  });

  it('deploys the long-running dispatcher: its entry point, probes and metrics on DISPATCH_PORT, limits, non-root, secrets from its Secret', async () => {
    const all = await docs('deploy/dispatcher');
    const [deployment, ...others] = all.filter((d) => d.doc.kind === 'Deployment');
    expect(others).toEqual([]);
    const spec = deployment!.doc.spec.template.spec;
    // several replicas are safe (skip locked, leases): docs/webhooks.md
    expect(deployment!.doc.spec.replicas).toBeGreaterThanOrEqual(2);
    const [container, ...more] = spec.containers;
    expect(more).toEqual([]);
    expect(container.image).toMatch(/^[a-z0-9.-]+(\/[a-z0-9._-]+)+\/tekton-events-functions:[\w.-]+$/);
    // the built form of functions/dispatch/main.ts (tsconfig.build.json: rootDir ., outDir dist)
    expect(container.command).toEqual(['node', 'dist/functions/dispatch/main.js']);
    expect(existsSync(path.join(ROOT, 'functions/dispatch/main.ts'))).toBe(true);
    expect(parse(await readFile(path.join(ROOT, 'tsconfig.build.json'), 'utf8')).include).toContain('functions');
    const { env, secretRefs } = envOf(container);
    for (const key of Object.keys(env)) expect(FUNCTION_ENV, key).toContain(key);
    const config = loadConfig(env);
    expect(config.SUBSCRIPTION_ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(Object.keys(secretRefs).sort()).toEqual(['DATABASE_URL', 'WEBHOOK_SECRET_KEY']);
    for (const key of Object.keys(env).filter((k) => /TOKEN$|DATABASE_URL|SECRET/.test(k))) expect(secretRefs, `${key} must come from a Secret`).toHaveProperty(key);
    const port = container.ports.find((p: Doc) => p.name === 'http');
    expect(port.containerPort).toBe(config.DISPATCH_PORT);
    expect(deployment!.doc.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(config.DISPATCH_PORT));
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.resources.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(container.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    // the kubelet's SIGKILL comes after the dispatcher's own shutdown deadline
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(config.DISPATCH_SHUTDOWN_SECONDS);
    const secret = all.find((d) => d.doc.kind === 'Secret')!.doc;
    for (const ref of Object.values(secretRefs)) {
      expect(ref.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(ref.key);
    }
  });

  it.each(['deploy/forwarder', 'deploy/dispatcher'])('%s holds only fields the Kubernetes API models know (client-node load and dump round trip)', async (dir) => {
    // client-node's serializer keeps only the fields of each kind's OpenAPI model: a misspelt
    // or misplaced field (`replcas`, `resorces`) is dropped, so the round trip differs.
    const all = await docs(dir);
    expect(all.length).toBeGreaterThan(0);
    for (const { file, doc } of all) expect(parse(dumpYaml(loadYaml(JSON.stringify(doc)))), `${file} ${doc.kind}`).toEqual(doc);
    const misspelt = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replcas: 2, selector: {}, template: { spec: { containers: [{ name: 'x' }] } } } };
    expect(parse(dumpYaml(loadYaml(JSON.stringify(misspelt))))).not.toEqual(misspelt);
  });

  it('grants the forwarder exactly list/watch on events, pods and runs, and patch on runs only', async () => {
    const all = await docs('deploy/forwarder');
    // The leader-election Role (leases, own namespace) is checked in test/forwarder/leaseRbac.test.ts.
    const roles = all.filter((d) => d.doc.kind === 'ClusterRole');
    expect(roles).toHaveLength(1);
    const granted = new Set<string>();
    for (const rule of roles[0]!.doc.rules as Doc[]) {
      expect(rule.resourceNames, 'no resourceNames trickery').toBeUndefined();
      expect(rule.nonResourceURLs).toBeUndefined();
      for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) granted.add(`${g}/${r}:${v}`);
    }
    const read = ['list', 'watch'];
    const expected = [
      ...read.map((v) => `/events:${v}`),
      ...read.map((v) => `events.k8s.io/events:${v}`),
      ...read.map((v) => `/pods:${v}`),
      ...[...read, 'patch'].map((v) => `tekton.dev/taskruns:${v}`),
      ...[...read, 'patch'].map((v) => `tekton.dev/pipelineruns:${v}`),
    ];
    expect([...granted].sort()).toEqual(expected.sort());
    const binding = all.find((d) => d.doc.kind === 'ClusterRoleBinding')!.doc;
    const sa = all.find((d) => d.doc.kind === 'ServiceAccount')!.doc;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roles[0]!.doc.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
  });

  it('builds both images from node:20 pinned by digest, with production dependencies only', async () => {
    const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)].map((m) => ({ from: m[1]!, name: m[2] }));
    const names = new Set(stages.map((s) => s.name));
    const bases = new Set(stages.filter((s) => !names.has(s.from)).map((s) => s.from));
    // one base, the same bytes in every stage
    expect([...bases]).toHaveLength(1);
    expect([...bases][0]).toMatch(/^node:20-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(names).toEqual(new Set(['build', 'prod-deps', 'runtime', 'functions', 'forwarder']));
    const stage = (name: string) => {
      const start = dockerfile.search(new RegExp(`^FROM \\S+ AS ${name}$`, 'm'));
      const next = dockerfile.slice(start + 1).search(/^FROM /m);
      return next < 0 ? dockerfile.slice(start) : dockerfile.slice(start, start + 1 + next);
    };
    expect(stage('prod-deps')).toMatch(/^RUN npm ci --omit=dev\b/m);
    // the runtime takes node_modules from the production install only, and drops the package managers
    expect(stage('runtime')).toMatch(/^COPY --from=prod-deps\b.*\/app\/node_modules/m);
    expect(stage('runtime')).not.toMatch(/^COPY --from=build\b.*node_modules/m);
    expect(stage('runtime')).toMatch(/rm -rf [^\n]*\/usr\/local\/lib\/node_modules\/npm/);
    expect(dockerfile).not.toMatch(/^USER (root|0)\b/m);
    // the entry points are the built forms of real sources
    expect(existsSync(path.join(ROOT, 'functions/index.ts'))).toBe(true);
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/functions/index.js');
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/forwarder/main.js"]');
    // the functions image serves one target with our own server; every Knative Service names its target
    expect(existsSync(path.join(ROOT, 'functions/serve.ts'))).toBe(true);
    expect(stage('functions')).toContain('ENTRYPOINT ["node", "dist/functions/serve.js"]');
    expect(stage('functions')).toMatch(/^CMD \["--target=[a-z]+"\]$/m);
    expect(stage('forwarder')).toContain(`ENV NODE_OPTIONS="${FORWARDER_NODE_OPTIONS}"`);
  });

  it.skipIf(spawnSync('terraform', ['version']).error !== undefined)('keeps the Terraform module terraform fmt-clean', () => {
    const run = spawnSync('terraform', ['fmt', '-check', '-recursive', 'infra/terraform'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });
});
