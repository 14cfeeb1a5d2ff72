// Every function answers an unreachable event store with 503 and Retry-After (so the forwarder
// and other clients back off and retry), never a 500.
import { afterAll, describe, expect, it } from 'vitest';
import type { CoreRequest, CoreResponse } from '../../shared/http/core.js';
import { createPool } from '../../shared/db/pool.js';
import { freePort } from '../../shared/db/embedded.js';
import { createIngestHandler } from '../../functions/ingest/handler.js';
import { createQueryHandler } from '../../functions/query/handler.js';
import { createCleanupHandler } from '../../functions/cleanup/handler.js';
import { allAccessEntry, TokenTableAuthorizer } from '../../functions/query/staticAuth.js';
import { PageTokens } from '../../functions/query/pageToken.js';
import { eventCe, newRun, storedEvent } from '../helpers/ce.js';

const TOKEN = 'unavailable-test-token-0123456789';
// Nothing listens on a port just found free: every connection is refused.
const pool = createPool(`postgres://nobody:none@127.0.0.1:${await freePort()}/none`, 2);
afterAll(() => pool.end());

function request(method: string, path: string, body: unknown, contentType?: string): CoreRequest {
  return {
    method,
    path,
    query: new URLSearchParams(),
    headers: { authorization: `Bearer ${TOKEN}`, ...(contentType ? { 'content-type': contentType } : {}) },
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
  };
}

function problem(res: CoreResponse): { status: number; detail: string } {
  return JSON.parse(String(res.body)) as { status: number; detail: string };
}

describe('event store unreachable', () => {
  it('ingest answers 503 with Retry-After and says nothing was stored', async () => {
    const ingest = createIngestHandler({ pool, tokens: [TOKEN] });
    const ce = eventCe(storedEvent({}), newRun('TaskRun', 'down-build'), newRun('PipelineRun', 'down'));
    const res = await ingest(request('POST', '/ingest', [ce], 'application/cloudevents-batch+json'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(problem(res).detail).toBe('the event store is unavailable; nothing was stored, retry later');
  });

  it('query answers 503 with Retry-After', async () => {
    const query = createQueryHandler({ pool, authorizer: new TokenTableAuthorizer([allAccessEntry(TOKEN)]), pageTokens: new PageTokens('s'.repeat(32)) });
    const res = await query(request('GET', '/apis/results.tekton.dev/v1alpha2/parents/ci/results', undefined));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(problem(res).detail).toBe('the event store is unavailable; retry later');
  });

  it('cleanup answers 503 with a longer Retry-After', async () => {
    const cleanup = createCleanupHandler({ pool, token: TOKEN, retentionDays: 30, batchSize: 100, timeBudgetMs: 1000 });
    const res = await cleanup(request('POST', '/cleanup', undefined));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('10');
    expect(problem(res).detail).toBe('the event store is unavailable; retry later (batches already done stay done)');
  });
});
