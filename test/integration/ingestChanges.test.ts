/**
 * The write protocol's extension point: a ChangeSink hears every stored change inside the
 * transaction that stores it (what the webhook outbox builds on).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type pg from 'pg';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { closeServer, INGEST_TOKEN } from '../helpers/server.js';
import { listen } from '../../functions/server.js';
import { createIngestHandler } from '../../functions/ingest/handler.js';
import { eventCe, newRun, send, statusCe, storedEvent } from '../helpers/ce.js';
import type { ChangeSink, StoredChange } from '../../shared/store/types.js';

let db: TestDb;
let server: Server;
let url: string;
let heard: StoredChange[][] = [];
let fail = false;
let active = true;

const sink: ChangeSink = {
  active: () => active,
  async onChanges(client: pg.ClientBase, changes: StoredChange[]) {
    // Inside the transaction: what the sink writes commits or rolls back with the data.
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from record_events');
    expect(rows[0]!.n).toBeGreaterThan(0);
    heard.push(changes);
    if (fail) throw new Error('the outbox refused');
  },
};

beforeAll(async () => {
  db = await createTestDb();
  const handler = createIngestHandler({ pool: db.pool, tokens: [INGEST_TOKEN], sink });
  ({ server, url } = await listen(handler, 1 << 20, 0));
});
afterAll(async () => {
  await closeServer(server);
  await db.drop();
});
beforeEach(() => {
  heard = [];
  fail = false;
  active = true;
});

async function counts(): Promise<{ results: number; records: number; events: number }> {
  const { rows } = await db.pool.query<{ results: number; records: number; events: number }>(
    `select (select count(*)::int from results) as results, (select count(*)::int from records) as records,
            (select count(*)::int from record_events) as events`,
  );
  return rows[0]!;
}

describe('the ChangeSink of the write protocol', () => {
  it('hears a new item, a newer state, and no change for a redelivery or an older state', async () => {
    const pr = newRun('PipelineRun', 'changes-pr');
    const tr = newRun('TaskRun', 'changes-pr-build');
    const uid = '0b0d3c4e-1111-4a39-9d3e-2a1c1f0e9b7a';
    const first = eventCe(storedEvent({ uid, count: 1, rv: 10 }), tr, pr);
    expect((await send(url, [first])).status).toBe(200);
    expect(heard).toHaveLength(1);
    const [created] = heard[0]!;
    expect(created).toMatchObject({ kind: 'event', eventKey: uid, created: true, ceId: `${uid}/10` });
    expect(created!.list).toMatchObject({ parent: 'ci', resultUid: pr.uid, runKind: 'TaskRun', runName: tr.name, runUid: tr.uid });
    const { rows } = await db.pool.query<{ id: string; result_id: string }>('select id, result_id from records');
    expect(created).toMatchObject({ recordId: rows[0]!.id, resultId: rows[0]!.result_id });

    expect((await send(url, [first])).status).toBe(200);
    expect(heard).toHaveLength(1);

    const repeat = eventCe(storedEvent({ uid, count: 2, rv: 11 }), tr, pr);
    expect((await send(url, [repeat])).status).toBe(200);
    expect(heard[1]).toEqual([expect.objectContaining({ kind: 'event', eventKey: uid, created: false, ceId: `${uid}/11` })]);

    expect((await send(url, [first])).status).toBe(200);
    expect(heard).toHaveLength(2);
  });

  it('hears a run status that changed, once', async () => {
    const tr = newRun('TaskRun', 'changes-status');
    const status = statusCe(tr, null, { reason: 'Failed', message: 'step build exited 1', steps: [] }, 700);
    expect((await send(url, [status])).status).toBe(200);
    expect(heard).toEqual([[expect.objectContaining({ kind: 'status', ceId: `${tr.uid}/700`, status: expect.objectContaining({ reason: 'Failed' }) })]]);
    expect((await send(url, [status])).status).toBe(200);
    expect(heard).toHaveLength(1);
  });

  it('stores nothing, not even the new lists, when the sink fails', async () => {
    const before = await counts();
    fail = true;
    const tr = newRun('TaskRun', 'changes-fail');
    const res = await send(url, [eventCe(storedEvent({}), tr, null)]);
    expect(res.status).toBe(500);
    expect(await counts()).toEqual(before);
  });

  it('is not called, and appends stay one statement, while the sink is inactive', async () => {
    active = false;
    const tr = newRun('TaskRun', 'changes-inactive');
    expect((await send(url, [eventCe(storedEvent({}), tr, null)])).status).toBe(200);
    expect((await send(url, [eventCe(storedEvent({}), tr, null)])).status).toBe(200);
    expect(heard).toEqual([]);
  });
});
