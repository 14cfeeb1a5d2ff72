import { describe, expect, it } from 'vitest';
import { isTimelinePath, matchTimeline } from '../../functions/timeline/routes.js';
import { HttpError } from '../../shared/http/problem.js';

const q = (s = '') => new URLSearchParams(s);
const UID = '5b0a3f4e-2c1d-4e8f-9a6b-7c3d2e1f0a9b';

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof HttpError ? err.status : -1;
  }
  return undefined;
}

describe('timeline routes', () => {
  it('reads the three paths', () => {
    expect(matchTimeline('GET', '/v1/namespaces/ci/pipelineruns/build-x7k2p/timeline', q())?.query).toEqual({ namespace: 'ci', kind: 'PipelineRun', name: 'build-x7k2p', uid: undefined });
    expect(matchTimeline('GET', '/v1/namespaces/ci/taskruns/build-x7k2p-build/timeline/', q(`uid=${UID}`))?.query).toEqual({ namespace: 'ci', kind: 'TaskRun', name: 'build-x7k2p-build', uid: UID });
    expect(matchTimeline('GET', `/v1/results/ci/${UID}/timeline`, q())?.query).toEqual({ namespace: 'ci', result: UID });
    expect(matchTimeline('GET', '/v1/namespaces/ci/pipelineruns/x/timeline', q('max_events=10'))?.maxEvents).toBe(10);
    expect(matchTimeline('GET', '/v1/namespaces/ci/pipelineruns/x/timeline', q())?.maxEvents).toBe(5000);
  });

  it('leaves other paths to other functions', () => {
    for (const p of ['/v1/namespaces/ci/pipelineruns/x', '/v1/subscriptions', '/ui/namespaces/ci/pipelineruns/x', '/v1/namespaces/ci/deployments/x/timeline']) {
      expect(isTimelinePath(p), p).toBe(false);
      expect(matchTimeline('GET', p, q()), p).toBeUndefined();
    }
  });

  it('refuses bad names, uids, limits and methods', () => {
    expect(status(() => matchTimeline('GET', '/v1/namespaces/CI/pipelineruns/x/timeline', q()))).toBe(400);
    expect(status(() => matchTimeline('GET', '/v1/namespaces/ci/pipelineruns/X_Y/timeline', q()))).toBe(400);
    expect(status(() => matchTimeline('GET', '/v1/namespaces/ci/pipelineruns/%E0%A4%A/timeline', q()))).toBe(400);
    expect(status(() => matchTimeline('GET', '/v1/namespaces/ci/pipelineruns/x/timeline', q('uid=1')))).toBe(400);
    for (const v of ['0', '5001', '-1', '1e3', 'ten']) expect(status(() => matchTimeline('GET', '/v1/namespaces/ci/pipelineruns/x/timeline', q(`max_events=${v}`))), v).toBe(400);
    expect(status(() => matchTimeline('DELETE', '/v1/namespaces/ci/pipelineruns/x/timeline', q()))).toBe(405);
    expect(status(() => matchTimeline('GET', `/v1/results/ci/${'a'.repeat(300)}/timeline`, q()))).toBe(400);
  });
});
