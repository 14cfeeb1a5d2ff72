/**
 * The images as Kubernetes runs them. `runAsNonRoot: true` only starts a pod when the kubelet can
 * see a numeric, non-zero uid: from the container's or pod's `runAsUser`, else from the image's
 * `USER`. So the check is the combination, per container, not each half on its own. Every
 * container also runs with a read-only root filesystem and no privilege escalation.
 * The Dockerfile itself is linted on every run (dockerfileLint.ts), and by hadolint, failing on
 * warnings, where hadolint is installed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { lintDockerfile } from './dockerfileLint.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Doc = any;

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

/** The USER each target stage ends with (stages inherit their base stage's USER). */
function imageUsers(dockerfile: string): Map<string, string | undefined> {
  const users = new Map<string, string | undefined>();
  let current: string | undefined;
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM (\S+)(?: AS (\S+))?$/.exec(line);
    if (from) {
      current = from[2] ?? from[1]!;
      users.set(current, users.get(from[1]!));
      continue;
    }
    const user = /^USER (\S+)$/.exec(line);
    if (user && current) users.set(current, user[1]);
  }
  return users;
}

/** The uid a container runs as, and where it comes from, or why Kubernetes would refuse it. */
function effectiveUser(pod: Doc, container: Doc, imageUser: string | undefined): { uid?: number; problem?: string } {
  const nonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
  if (nonRoot !== true) return { problem: 'runAsNonRoot is not true' };
  const set = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  if (set !== undefined) return Number.isInteger(set) && set > 0 ? { uid: set } : { problem: `runAsUser ${set} is root or not a number` };
  const uid = imageUser?.split(':')[0];
  if (uid === undefined) return { problem: 'no runAsUser and the image has no USER (root)' };
  if (!/^\d+$/.test(uid)) return { problem: `no runAsUser and the image's USER ${uid} is a name: the kubelet cannot verify it is not root` };
  return Number(uid) > 0 ? { uid: Number(uid) } : { problem: 'the image runs as root' };
}

interface Workload {
  file: string;
  name: string;
  pod: Doc;
  containers: Doc[];
}

function workloads(dir: string): Workload[] {
  return readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(path.join(ROOT, dir, file), 'utf8')).flatMap((d): Workload[] => {
        const doc = d.toJS() as Doc;
        const pod = doc.kind === 'Service' || doc.kind === 'Deployment' ? doc.spec.template.spec : doc.kind === 'CronJob' ? doc.spec.jobTemplate.spec.template.spec : undefined;
        return pod ? [{ file: `${dir}/${file}`, name: `${doc.kind}/${doc.metadata.name}`, pod, containers: pod.containers }] : [];
      }),
    );
}

/** Our images run the Dockerfile's target stage named in the image name; others are not ours. */
function imageUserFor(image: string): string | undefined {
  const users = imageUsers(DOCKERFILE);
  if (/\/tekton-events-functions:/.test(image)) return users.get('functions');
  if (/\/tekton-events-forwarder:/.test(image)) return users.get('forwarder');
  return undefined;
}

const ALL = [...workloads('deploy/knative'), ...workloads('deploy/forwarder'), ...workloads('deploy/dispatcher')];

describe('images and manifests together', () => {
  it('reads the user of each image stage, inherited through the stages', () => {
    const users = imageUsers('FROM base AS a\nUSER 1000:1000\nFROM a AS b\nFROM base AS c\nUSER node\n');
    expect(Object.fromEntries(users)).toEqual({ a: '1000:1000', b: '1000:1000', c: 'node' });
  });

  it('knows what Kubernetes refuses: a named USER without runAsUser, root, no runAsNonRoot', () => {
    const c = (sc: Doc) => ({ securityContext: sc });
    expect(effectiveUser({}, c({ runAsNonRoot: true }), 'node').problem).toMatch(/is a name/);
    expect(effectiveUser({}, c({ runAsNonRoot: true, runAsUser: 1000 }), 'node')).toEqual({ uid: 1000 });
    expect(effectiveUser({ securityContext: { runAsUser: 1000 } }, c({ runAsNonRoot: true }), undefined)).toEqual({ uid: 1000 });
    expect(effectiveUser({}, c({ runAsNonRoot: true }), '1000:1000')).toEqual({ uid: 1000 });
    expect(effectiveUser({}, c({ runAsNonRoot: true }), '0').problem).toMatch(/root/);
    expect(effectiveUser({}, c({ runAsNonRoot: true }), undefined).problem).toMatch(/root/);
    expect(effectiveUser({}, c({}), '1000').problem).toMatch(/runAsNonRoot/);
  });

  it('the functions and forwarder images run as a numeric non-root user', () => {
    for (const target of ['functions', 'forwarder']) expect(imageUsers(DOCKERFILE).get(target), target).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it.each(ALL.map((w) => [w.name, w] as const))('%s starts under runAsNonRoot, read-only, without escalation', (_name, w) => {
    expect(w.containers.length).toBeGreaterThan(0);
    for (const container of w.containers) {
      const where = `${w.file} ${w.name} ${container.name}`;
      expect(effectiveUser(w.pod, container, imageUserFor(container.image)), where).toEqual({ uid: expect.any(Number) });
      expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
      expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
      expect(container.securityContext?.capabilities?.drop, where).toEqual(['ALL']);
    }
  });

  it('passes the Dockerfile lint (the Docker language server validator and hadolint rules)', () => {
    expect(lintDockerfile(DOCKERFILE)).toEqual([]);
  });

  it('the lint finds what it is for', () => {
    const bad = 'FROM node:latest\nMAINTAINER me\nWORKDIR app\nRUN cd /x && npm install && apt-get install curl\nADD . .\nCMD node x.js\n';
    expect(lintDockerfile(bad).map((f) => f.rule.split(' ')[0])).toEqual(
      expect.arrayContaining(['dockerfile-utils', 'DL3007', 'DL3000', 'DL3003', 'DL3016', 'DL3015', 'DL3014', 'DL3020', 'DL3025', 'DL3002']),
    );
  });

  const hadolint = spawnSync('hadolint', ['--version'], { encoding: 'utf8' });
  it.skipIf(hadolint.error !== undefined)(`hadolint passes the Dockerfile with no warning${hadolint.error ? ' (hadolint is not installed: skipped)' : ''}`, () => {
    const run = spawnSync('hadolint', ['--no-color', '--failure-threshold', 'warning', 'Dockerfile'], { cwd: ROOT, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).toBe('');
    expect(run.status).toBe(0);
  });
});
