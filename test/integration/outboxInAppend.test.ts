/**
 * The webhook outbox's rows for Events are written by the append statement itself
 * (APPEND_OUTBOX_SQL): each must carry the state the append stored, under the CloudEvent id it
 * was sent with, on the transaction path (first sight) and the one-statement path alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { newRun, storedEvent } from '../helpers/ce.js';
import { writeBatch } from '../../shared/store/writeBatch.js';
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

describe('outbox rows written by the append statement', () => {
  it('carry the stored Event, its run and its CloudEvent id, for a first write and for a later one to a known list', async () => {
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
    const { rows } = await db.pool.query(
      `select c.kind, c.namespace, c.result_id = s.id as of_its_result, c.ce_id, c.ce_subject, c.ce_time = e.last_seen as at_last_seen,
              c.data::jsonb - 'event' as run, (c.data->'event')::jsonb = e.event::jsonb as stored_event
         from webhook_changes c
         join results s on s.name = $1
         join records r on r.result_id = s.id and r.run_uid = $2
         join record_events e on e.record_id = r.id and e.event_key = (c.data->'event'->'metadata'->>'uid')
        where c.namespace = 'ci' order by c.id`,
      [pr.uid, tr.uid],
    );
    const run = { run: { kind: 'TaskRun', name: tr.name, uid: tr.uid }, pipelineRun: { name: pr.name, uid: pr.uid } };
    const row = (ceId: string) => ({ kind: 'event', namespace: 'ci', of_its_result: true, ce_id: ceId, ce_subject: `namespaces/ci/taskruns/${tr.name}`, at_last_seen: true, run, stored_event: true });
    expect(rows).toEqual([row(first.ceId), row(second.ceId)]);
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
