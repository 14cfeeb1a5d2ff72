/**
 * Hostile input at the timeline paths, over a real server: path traversal, SQL-looking text,
 * bad percent-encoding and junk in every segment and in `uid`/`max_events`. Every answer is a
 * 4xx problem (never a 500, never another function's answer), the server keeps serving, and a
 * real run still answers afterwards.
 */
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { sampleBatch, SAMPLE } from '../../sample/failedPipelineRun.js';
import { send } from '../helpers/ce.js';

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer();
  expect((await send(srv.url, sampleBatch() as Record<string, unknown>[])).status).toBe(200);
});
afterAll(async () => {
  await srv.close();
});

/** Raw request: fetch would normalise the path and refuse odd bytes. */
function get(path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: 'GET', path, headers: { authorization: `Bearer ${QUERY_TOKEN}` }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const HOSTILE = ['..', '%2e%2e', "x' or '1'='1", 'x;drop table records', '%00', '%E0%A4%A', 'a'.repeat(300), '-', '*', '%2F', 'A_B', ' ', '\\'];
const segment = fc.oneof(fc.constantFrom(...HOSTILE.map((s) => s.replace(/ /g, '%20'))), fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent));

describe('timeline paths under hostile input', () => {
  it('answer 4xx problems for junk in every segment and parameter', async () => {
    await fc.assert(
      fc.asyncProperty(segment, segment, fc.constantFrom('pipelineruns', 'taskruns', 'results'), fc.option(segment), fc.option(segment), async (ns, name, kind, uid, max) => {
        const q = new URLSearchParams();
        if (uid !== null) q.set('uid', decodeURIComponent(safe(uid)));
        if (max !== null) q.set('max_events', decodeURIComponent(safe(max)));
        const path = kind === 'results' ? `/v1/results/${ns}/${name}/timeline` : `/v1/namespaces/${ns}/${kind}/${name}/timeline`;
        const res = await get(`${path}${q.size ? `?${q}` : ''}`);
        const what = `${path}?${q} → ${res.status} ${res.body.slice(0, 200)}`;
        expect(res.status, what).toBeGreaterThanOrEqual(400);
        expect(res.status, what).toBeLessThan(500);
        expect(res.type, what).toBe('application/problem+json');
      }),
      { numRuns: 150 },
    );
    const ok = await get(`/v1/namespaces/${SAMPLE.namespace}/pipelineruns/${SAMPLE.pipelineRun.name}/timeline`);
    expect(ok.status).toBe(200);
  });
});

function safe(s: string): string {
  try {
    decodeURIComponent(s);
    return s;
  } catch {
    return encodeURIComponent(s);
  }
}
