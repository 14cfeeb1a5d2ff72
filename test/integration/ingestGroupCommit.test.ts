/**
 * Group commit (shared/store/appendQueue.ts) and the all-or-nothing write protocol, driven
 * below HTTP so that a write Postgres refuses can be made on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { newRun, storedEvent, type Run } from '../helpers/ce.js';
import { AppendQueue } from '../../shared/store/appendQueue.js';
import { prepareBatch, storeBatch, type PreparedBatch } from '../../shared/store/writeBatch.js';
import { eventKey, firstSeen, lastSeen, resourceVersionNumber, seriesCount } from '../../shared/event.js';
import { eventListRecordId } from '../../shared/names.js';
import type { ChangeSink, EventWrite, StoredChange } from '../../shared/store/types.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

function write(run: Run, over: Parameters<typeof storedEvent>[0] = {}): EventWrite {
  const event = storedEvent({ taskName: run.name, ...over });
  return {
    kind: 'event',
    list: { parent: 'ci', resultUid: run.uid, resultRunKind: 'TaskRun', resultRunName: run.name, recordId: eventListRecordId(run.uid, run.uid), runKind: 'TaskRun', runName: run.name, runUid: run.uid },
    ceId: `${event.metadata.uid}/${event.metadata.resourceVersion}`,
    key: eventKey(event),
    seriesCount: seriesCount(event),
    lastSeen: lastSeen(event),
    resourceVersion: resourceVersionNumber(event.metadata.resourceVersion),
    firstSeen: firstSeen(event),
    reason: event.reason,
    type: event.type ?? null,
    event,
  };
}

/** A write that got past validation but that Postgres refuses (there is no year 0). */
function refused(run: Run): PreparedBatch {
  return prepareBatch([{ ...write(run), lastSeen: '0000-01-01T00:00:00Z' }]);
}

async function stored(run: Run): Promise<{ results: number; records: number; events: number }> {
  const { rows } = await db.pool.query<{ results: number; records: number; events: number }>(
    `select (select count(*)::int from results where name = $1) as results,
            (select count(*)::int from records where run_uid = $1) as records,
            (select count(*)::int from record_events e join records r on r.id = e.record_id where r.run_uid = $1) as events`,
    [run.uid],
  );
  return rows[0]!;
}

function recordingSink(): ChangeSink & { calls: StoredChange[][] } {
  const calls: StoredChange[][] = [];
  return { calls, active: () => true, onChanges: async (_c: pg.ClientBase, changes: StoredChange[]) => void calls.push(changes) };
}

describe('group commit', () => {
  it('merges the requests that queue behind a running write into one write, and answers each after its commit', async () => {
    const sink = recordingSink();
    const queue = new AppendQueue(db.pool, { maxInFlight: 1, sink });
    const runs = [newRun('TaskRun', 'gc-a'), newRun('TaskRun', 'gc-b'), newRun('TaskRun', 'gc-c')];
    const answers = runs.map((run) =>
      queue.submit(prepareBatch([write(run)])).then(async () => ({ run, seen: await stored(run) })),
    );
    for (const { seen } of await Promise.all(answers)) expect(seen).toEqual({ results: 1, records: 1, events: 1 });
    // The first ran alone (a free slot: no waiting for company); the other two shared one write.
    expect(sink.calls.map((c) => c.length)).toEqual([1, 2]);
    await queue.drain();
    expect(queue.pending).toBe(0);
  });

  it('splits a group that Postgres refuses, so only the bad request fails', async () => {
    const queue = new AppendQueue(db.pool, { maxInFlight: 1 });
    const [a, bad, c] = [newRun('TaskRun', 'split-a'), newRun('TaskRun', 'split-bad'), newRun('TaskRun', 'split-c')];
    const answers = await Promise.allSettled([
      queue.submit(prepareBatch([write(a)])),
      queue.submit(refused(bad)),
      queue.submit(prepareBatch([write(c)])),
    ]);
    expect(answers.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((answers[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22008' });
    expect(await stored(a)).toEqual({ results: 1, records: 1, events: 1 });
    expect(await stored(c)).toEqual({ results: 1, records: 1, events: 1 });
    expect(await stored(bad)).toEqual({ results: 0, records: 0, events: 0 });
  });

  it('leaves no empty Result or EventList behind when Postgres refuses the first write of a run', async () => {
    const run = newRun('TaskRun', 'refused-first');
    await expect(storeBatch(db.pool, refused(run))).rejects.toMatchObject({ code: '22008', statement: 'append-events' });
    expect(await stored(run)).toEqual({ results: 0, records: 0, events: 0 });
  });

  it('stores a later good write of that run, lists and all', async () => {
    const run = newRun('TaskRun', 'refused-then-good');
    await expect(storeBatch(db.pool, refused(run))).rejects.toBeDefined();
    await storeBatch(db.pool, prepareBatch([write(run)]));
    expect(await stored(run)).toEqual({ results: 1, records: 1, events: 1 });
  });
});
