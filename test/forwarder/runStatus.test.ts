import { describe, expect, it } from 'vitest';
import { finishedStatus } from '../../forwarder/runStatus.js';
import { RunStatusSchema } from '../../shared/event.js';

const running = { metadata: { name: 'build', uid: 'u' }, status: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }], startTime: '2026-01-02T03:04:05Z' } };

describe('finishedStatus', () => {
  it('says nothing while the run is still running', () => {
    expect(finishedStatus(running)).toBeUndefined();
    expect(finishedStatus({ metadata: {}, status: {} })).toBeUndefined();
  });

  it("carries the terminal condition, the times and each step's termination (OOMKilled)", () => {
    const s = finishedStatus({
      ...running,
      status: {
        ...running.status,
        completionTime: '2026-01-02T03:09:05Z',
        conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message: '"step-build" exited with code 137: OOMKilled' }],
        steps: [
          { name: 'clone', container: 'step-clone', terminated: { exitCode: 0, reason: 'Completed' } },
          { name: 'build', container: 'step-build', terminated: { exitCode: 137, reason: 'OOMKilled' } },
          { name: 'push', container: 'step-push', terminated: null },
        ],
      },
    });
    expect(s).toEqual({
      reason: 'Failed',
      message: '"step-build" exited with code 137: OOMKilled',
      startTime: '2026-01-02T03:04:05Z',
      completionTime: '2026-01-02T03:09:05Z',
      steps: [
        { name: 'clone', exitCode: 0, reason: 'Completed' },
        { name: 'build', exitCode: 137, reason: 'OOMKilled' },
      ],
    });
    expect(RunStatusSchema.safeParse(s).success).toBe(true);
  });

  it('reports a successful run with the dates of a typed client', () => {
    const s = finishedStatus({ status: { conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }], startTime: new Date('2026-01-02T03:04:05Z') } });
    expect(s).toEqual({ reason: 'Succeeded', startTime: '2026-01-02T03:04:05.000Z', steps: [] });
  });
});
