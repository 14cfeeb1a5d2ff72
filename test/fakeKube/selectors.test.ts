/** Label and field selectors of the fake API server, table-driven over plain HTTP lists. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKube, type FakeKube } from '../../devtools/fakeKube/server.js';

let kube: FakeKube;
beforeAll(async () => {
  kube = await startFakeKube();
  const pod = (name: string, labels: Record<string, string>, phase: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ci', labels }, status: { phase } });
  kube.create('pods', pod('tr-a-pod', { 'tekton.dev/taskRun': 'tr-a', 'tekton.dev/pipelineTask': 'build' }, 'Running'));
  kube.create('pods', pod('tr-b-pod', { 'tekton.dev/taskRun': 'tr-b', 'tekton.dev/pipelineTask': 'test' }, 'Failed'));
  kube.create('pods', pod('nginx', { app: 'nginx' }, 'Running'));
});
afterAll(async () => {
  await kube.close();
});

async function names(query: string): Promise<string[] | number> {
  const res = await fetch(`${kube.url}/api/v1/namespaces/ci/pods?${query}`);
  if (!res.ok) return res.status;
  return ((await res.json()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
}

describe('selectors', () => {
  it.each([
    ['labelSelector=tekton.dev/taskRun', ['tr-a-pod', 'tr-b-pod']],
    ['labelSelector=!tekton.dev/taskRun', ['nginx']],
    ['labelSelector=tekton.dev/taskRun=tr-a', ['tr-a-pod']],
    ['labelSelector=tekton.dev/taskRun==tr-b', ['tr-b-pod']],
    ['labelSelector=tekton.dev/taskRun!=tr-a', ['nginx', 'tr-b-pod']],
    ['labelSelector=tekton.dev/pipelineTask in (build,deploy)', ['tr-a-pod']],
    ['labelSelector=tekton.dev/pipelineTask notin (build)', ['nginx', 'tr-b-pod']],
    ['labelSelector=tekton.dev/taskRun,tekton.dev/pipelineTask=test', ['tr-b-pod']],
    ['fieldSelector=metadata.name=nginx', ['nginx']],
    ['fieldSelector=status.phase!=Running', ['tr-b-pod']],
    ['fieldSelector=status.phase=Running,metadata.name!=nginx', ['tr-a-pod']],
    ['fieldSelector=metadata.namespace=other', []],
    ['fieldSelector=spec.nodeName=', ['nginx', 'tr-a-pod', 'tr-b-pod']],
    ['fieldSelector=metadata.labels.app=nginx', 400],
    ['labelSelector=a in b', 400],
  ])('%s selects %j', async (query, expected) => {
    expect(await names(encodeURI(query).replace(/,/g, '%2C'))).toEqual(expected);
  });
});
