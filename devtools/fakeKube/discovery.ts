/** Discovery documents (/version, /api, /apis, /api/v1, /apis/{group}/v1) for the served resources. */
import { RESOURCES } from './resources.js';

const GROUPS = ['events.k8s.io', 'tekton.dev', 'coordination.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io'];
const PATCHABLE_KINDS = new Set(['Pod', 'TaskRun', 'PipelineRun']);

/** The discovery document at `p`, or undefined when `p` is not a discovery path. */
export function discovery(p: string): unknown {
  if (p === '/version') return { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64' };
  if (p === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (p === '/apis') {
    const v = (name: string) => ({ groupVersion: `${name}/v1`, version: 'v1' });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map((name) => ({ name, versions: [v(name)], preferredVersion: v(name) })) };
  }
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/v1)$/.exec(p);
  if (!m) return undefined;
  const group = m[1] ?? '';
  const resources = Object.values(RESOURCES)
    .filter((i) => i.group === group)
    .map((i) => ({ name: i.plural, singularName: i.kind.toLowerCase(), namespaced: true, kind: i.kind, verbs: i.kind === 'Lease' ? ['create', 'get', 'list', 'update', 'watch'] : PATCHABLE_KINDS.has(i.kind) ? ['get', 'list', 'patch', 'watch'] : ['get', 'list', 'watch'] }));
  if (group === 'authentication.k8s.io') resources.push({ name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] });
  if (group === 'authorization.k8s.io') resources.push({ name: 'subjectaccessreviews', singularName: 'subjectaccessreview', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] });
  if (group !== '' && !GROUPS.includes(group)) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/v1` : 'v1', resources };
}
