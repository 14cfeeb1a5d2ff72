/**
 * Group commit (shared/store/appendQueue.ts) and the all-or-nothing write protocol, driven
 * below HTTP so that a write Postgres refuses can be made on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { newRun, storedEvent, type Run } from '../helpers/ce.js';
import { until } from '../helpers/until.js';
import { AppendQueue } from '../../shared/store/appendQueue.js';
import { classifyPgError, WriteConflict } from '../../shared/db/errors.js';
import { prepareBatch, storeBatch, type PreparedBatch } from '../../shared/store/writeBatch.js';
import { eventListRecordId } from '../../shared/names.js';
import { eventWrite, type ChangeSink, type EventWrite, type StoredChange } from '../../shared/store/types.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

function write(run: Run, over: Parameters<typeof storedEvent>[0] = {}): EventWrite {
  const event = storedEvent({ taskName: run.name, ...over });
  const list = { parent: 'ci', resultUid: run.uid, resultRunKind: 'TaskRun' as const, resultRunName: run.name, recordId: eventListRecordId(run.uid, run.uid), runKind: 'TaskRun' as const, runName: run.name, runUid: run.uid };
  return eventWrite(list, `${event.metadata.uid}/${event.metadata.resourceVersion}`, event);
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

/**
 * Occupies the queue's only slot: stores a write to `run`, then holds its record row so the
 * next write to it waits inside Postgres. Everything submitted meanwhile queues behind it.
 */
async function occupy(queue: AppendQueue, run: Run): Promise<{ running: Promise<unknown>; release(): Promise<void> }> {
  await storeBatch(db.pool, prepareBatch([write(run)]));
  const holder = await db.pool.connect();
  await holder.query('begin');
  await holder.query('select id from records where run_uid = $1 for update', [run.uid]);
  const running = queue.submit(prepareBatch([write(run)]));
  await until(
    async () => (await db.pool.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`)).rows[0]!.n,
    (n) => n > 0,
    'the occupying write to wait on the held row',
  );
  return {
    running,
    async release() {
      await holder.query('commit');
      holder.release();
    },
  };
}

describe('group commit under review', () => {
  it('keeps the state Postgres orders newest when two merged requests differ below the millisecond', async () => {
    const queue = new AppendQueue(db.pool, { maxInFlight: 1 });
    const slot = await occupy(queue, newRun('TaskRun', 'micro-slot'));
    const run = newRun('TaskRun', 'micro');
    const base = write(run);
    // Same series count; `a` was seen 100 µs later (the same millisecond), `b` has the higher resourceVersion.
    const a = { ...base, lastSeen: '2026-01-02T03:04:05.000200Z', resourceVersion: '5' };
    const b = { ...base, lastSeen: '2026-01-02T03:04:05.000100Z', resourceVersion: '6' };
    const answers = Promise.all([queue.submit(prepareBatch([a])), queue.submit(prepareBatch([b]))]);
    await slot.release();
    await Promise.all([slot.running, answers]);
    // Stored one after the other, `b` is older than `a` (last seen first) and changes nothing.
    const { rows } = await db.pool.query<{ rv: string }>(
      `select e.resource_version::text as rv from record_events e join records r on r.id = e.record_id where r.run_uid = $1`,
      [run.uid],
    );
    expect(rows).toEqual([{ rv: '5' }]);
  });
});

describe('group commit, writes beside a running one', () => {
  it('holds small requests for the next group while a write runs, but starts a large one beside it at once', async () => {
    const sink = recordingSink();
    const queue = new AppendQueue(db.pool, { maxInFlight: 4, minParallelWrites: 10, sink });
    const slot = await occupy(queue, newRun('TaskRun', 'par-slot'));
    // Three single-event requests: too small for a statement of their own beside the held one.
    const small = [newRun('TaskRun', 'par-a'), newRun('TaskRun', 'par-b'), newRun('TaskRun', 'par-c')];
    const smallAnswers = Promise.all(small.map((run) => queue.submit(prepareBatch([write(run)]))));
    expect(queue.pending).toBe(4);
    // Twelve events: worth a statement, so it runs (and is stored) while the held write still waits.
    const big = newRun('TaskRun', 'par-big');
    const bigWrites = Array.from({ length: 12 }, (_, i) => write(big, { reason: `Big${i}` }));
    await queue.submit(prepareBatch(bigWrites));
    expect(await stored(big)).toEqual({ results: 1, records: 1, events: 12 });
    // It took the three waiting requests with it: one statement for all four.
    expect(sink.calls.at(-1)!.length).toBe(15);
    await smallAnswers;
    await slot.release();
    await slot.running;
    await queue.drain();
  });

  it('starts a lone request at once even when it is small', async () => {
    const queue = new AppendQueue(db.pool, { maxInFlight: 4, minParallelWrites: 1_000 });
    const run = newRun('TaskRun', 'par-lone');
    await queue.submit(prepareBatch([write(run)]));
    expect(await stored(run)).toEqual({ results: 1, records: 1, events: 1 });
  });
});

describe('group commit queue bound', () => {
  it('refuses a request at once as an outage when the queue is full, and stores the ones it took', async () => {
    const run = newRun('TaskRun', 'full-slot');
    const [a, b] = [newRun('TaskRun', 'full-a'), newRun('TaskRun', 'full-b')];
    const batchA = prepareBatch([write(a)]);
    const queue = new AppendQueue(db.pool, { maxInFlight: 1, maxQueuedBytes: batchA.events[0]!.row.length + 10 });
    const slot = await occupy(queue, run);
    const answerA = queue.submit(batchA);
    const answerB = queue.submit(prepareBatch([write(b)]));
    // Refused while the slot is still held: nothing waits in memory for it.
    const refusal = await answerB.then(() => undefined, (err: unknown) => err);
    expect(refusal).toBeInstanceOf(Error);
    expect(classifyPgError(refusal)).toBe('retry');
    expect(queue.pending).toBe(2);
    await slot.release();
    await Promise.all([slot.running, answerA]);
    expect(await stored(a)).toEqual({ results: 1, records: 1, events: 1 });
    expect(await stored(b)).toEqual({ results: 0, records: 0, events: 0 });
    // Once it has drained, the queue takes requests again.
    await queue.submit(prepareBatch([write(b)]));
    expect(await stored(b)).toEqual({ results: 1, records: 1, events: 1 });
  });
});

describe('group commit split meeting an outage', () => {
  it('answers the rest of a split group at once with the outage instead of rerunning each', async () => {
    const [bad, a, c] = [newRun('TaskRun', 'outage-bad'), newRun('TaskRun', 'outage-a'), newRun('TaskRun', 'outage-c')];
    const tried: string[] = [];
    const sink: ChangeSink = {
      active: () => true,
      onChanges: async (_c, changes) => {
        const uid = changes[0]!.list.runUid;
        tried.push(uid);
        // The database "goes away" as `a` is rerun alone.
        if (uid === a.uid) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      },
    };
    const queue = new AppendQueue(db.pool, { maxInFlight: 1, sink });
    const slot = await occupy(queue, newRun('TaskRun', 'outage-slot'));
    const answers = Promise.allSettled([queue.submit(refused(bad)), queue.submit(prepareBatch([write(a)])), queue.submit(prepareBatch([write(c)]))]);
    await slot.release();
    await slot.running;
    const settled = await answers;
    expect(settled.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(settled.map((x) => classifyPgError((x as PromiseRejectedResult).reason))).toEqual(['bad-input', 'retry', 'retry']);
    expect(tried).not.toContain(c.uid);
    expect(await stored(c)).toEqual({ results: 0, records: 0, events: 0 });
  });
});

describe('change sink: exactly once per stored change', () => {
  /** An outbox like the webhooks' one: written on the write's client, so it commits or rolls back with it. */
  function outboxSink(failFirst: () => Error | undefined): ChangeSink {
    return {
      active: () => true,
      onChanges: async (client, changes) => {
        for (const ch of changes) {
          await client.query('insert into test_outbox (run_uid, ce_id) values ($1, $2)', [ch.list.runUid, ch.ceId]);
        }
        const err = failFirst();
        if (err) throw err;
      },
    };
  }

  async function outbox(run: Run): Promise<number> {
    const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from test_outbox where run_uid = $1', [run.uid]);
    return rows[0]!.n;
  }

  beforeAll(async () => {
    await db.pool.query('create table test_outbox (run_uid text not null, ce_id text not null)');
  });

  it('holds each good request of a refused, split group once, and nothing of the bad one', async () => {
    const queue = new AppendQueue(db.pool, { maxInFlight: 1, sink: outboxSink(() => undefined) });
    const slot = await occupy(queue, newRun('TaskRun', 'outbox-slot'));
    const [a, bad, c] = [newRun('TaskRun', 'outbox-a'), newRun('TaskRun', 'outbox-bad'), newRun('TaskRun', 'outbox-c')];
    const answers = Promise.allSettled([queue.submit(prepareBatch([write(a)])), queue.submit(refused(bad)), queue.submit(prepareBatch([write(c)]))]);
    await slot.release();
    await slot.running;
    expect((await answers).map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([await outbox(a), await outbox(bad), await outbox(c)]).toEqual([1, 0, 1]);
  });

  it('rolls back what the sink wrote in an attempt that a conflict retries', async () => {
    let calls = 0;
    const sink = outboxSink(() => (++calls === 1 ? new WriteConflict('a concurrent writer, on purpose') : undefined));
    const run = newRun('TaskRun', 'outbox-retry');
    await storeBatch(db.pool, prepareBatch([write(run), write(run)]), { sink });
    expect(calls).toBe(2);
    expect(await outbox(run)).toBe(2);
    expect(await stored(run)).toEqual({ results: 1, records: 1, events: 2 });
  });
});
