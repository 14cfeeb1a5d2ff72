/**
 * The webhook outbox's rows for Events are written by the append statement itself
 * (APPEND_OUTBOX_SQL): they must be exactly the rows recordChanges writes for the same changes,
 * only without the transaction and the read-back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { newRun, storedEvent } from '../helpers/ce.js';
import { writeBatch } from '../../shared/store/writeBatch.js';
import { recordChanges } from '../../shared/store/outbox.js';
import { insertSubscription } from '../../shared/store/subscriptions.js';
import { OutboxSink } from '../../shared/webhooks/outboxSink.js';
import { eventListRecordId } from '../../shared/names.js';
import { eventWrite, type ListKey } from '../../shared/store/types.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
  await insertSubscription(db.pool, { url: 'https://hooks.example/x', filter: '', namespaces: ['ci'], kinds: ['event', 'run'], secretCiphertext: 'sealed' });
});
afterAll(async () => {
  await db.drop();
});

const COLUMNS = `kind, namespace, result_id, ce_id, ce_subject, ce_time, data::text as data`;

describe('outbox rows written by the append statement', () => {
  it('equal the rows recordChanges writes for the same changes, for a first write and for a later one to a known list', async () => {
    const pr = newRun('PipelineRun', 'ob-pr');
    const tr = newRun('TaskRun', 'ob-pr-build');
    const list: ListKey = { parent: 'ci', resultUid: pr.uid, resultRunKind: 'PipelineRun', resultRunName: pr.name, recordId: eventListRecordId(pr.uid, tr.uid), runKind: 'TaskRun', runName: tr.name, runUid: tr.uid };
    const sink = new OutboxSink(db.pool);
    const write = (reason: string) => {
      const e = storedEvent({ taskName: 'build', reason });
      return eventWrite(list, `${e.metadata.uid}/${e.metadata.resourceVersion}`, e);
    };
    const first = write('Scheduled'); // creates the lists: the transaction path
    const second = write('Pulled'); // known lists: the one-statement path
    await writeBatch(db.pool, [first], { sink });
    await writeBatch(db.pool, [second], { sink });
    sink.stop();
    const { rows: fused } = await db.pool.query(`select ${COLUMNS} from webhook_changes where namespace = 'ci' order by id`);
    expect(fused).toHaveLength(2);

    const { rows: ids } = await db.pool.query<{ id: string }>(`select id from records where run_uid = $1`, [tr.uid]);
    await db.pool.query(`delete from webhook_changes`);
    const client = await db.pool.connect();
    try {
      await recordChanges(client, [first, second].map((w) => ({ kind: 'event' as const, recordId: ids[0]!.id, eventKey: w.key, ceId: w.ceId })));
    } finally {
      client.release();
    }
    const { rows: readBack } = await db.pool.query(`select ${COLUMNS} from webhook_changes where namespace = 'ci' order by id`);
    expect(fused).toEqual(readBack);
    expect(JSON.parse(fused[1]!.data as string)).toMatchObject({ event: { reason: 'Pulled' }, run: { kind: 'TaskRun', name: tr.name, uid: tr.uid }, pipelineRun: { name: pr.name, uid: pr.uid } });
  });

  it('writes no row when no enabled subscription covers the namespace', async () => {
    const run = newRun('TaskRun', 'ob-elsewhere');
    const list: ListKey = { parent: 'elsewhere', resultUid: run.uid, resultRunKind: 'TaskRun', resultRunName: run.name, recordId: eventListRecordId(run.uid, run.uid), runKind: 'TaskRun', runName: run.name, runUid: run.uid };
    const sink = new OutboxSink(db.pool);
    const e = storedEvent({ taskName: run.name });
    await writeBatch(db.pool, [eventWrite(list, `${e.metadata.uid}/${e.metadata.resourceVersion}`, e)], { sink });
    await writeBatch(db.pool, [eventWrite(list, `${e.metadata.uid}/${e.metadata.resourceVersion}`, { ...e, reason: 'Again', deprecatedCount: 2 })], { sink });
    sink.stop();
    const { rows } = await db.pool.query(`select count(*)::int as n from webhook_changes where namespace = 'elsewhere'`);
    expect(rows[0]).toEqual({ n: 0 });
  });
});
