/**
 * Stores one request's writes in one transaction: all of them or none. Lock order is fixed
 * (results/records creation → event rows → records → results, each in key order), and a
 * deadlock or serialisation failure is retried on a fresh transaction.
 */
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { classifyPgError } from '../db/errors.js';
import { logger } from '../log.js';
import { listKeyString, type ListKey, type StatusWrite, type Write } from './types.js';
import { ensureLists } from './ensureLists.js';
import { appendEvents, type EventRow } from './appendEvents.js';
import { applyRunStatus, applySummary } from './applyRunStatus.js';
import { lockRows, touchRows } from './touchLists.js';

const MAX_ATTEMPTS = 5;

export interface BatchOutcome {
  /** Events whose stored state changed (new, or a newer state). */
  changedLists: number;
}

async function writeOnce(client: pg.PoolClient, writes: Write[]): Promise<BatchOutcome> {
  const keys = new Map<string, ListKey>();
  for (const w of writes) keys.set(listKeyString(w.list), w.list);
  const sortedKeys = [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
  const ids = await ensureLists(client, sortedKeys);

  const eventRows: EventRow[] = [];
  const statuses: { w: StatusWrite; recordId: string; resultId: string }[] = [];
  for (const w of writes) {
    const id = ids.get(listKeyString(w.list))!;
    if (w.kind === 'event') eventRows.push({ recordId: id.recordId, write: w });
    else statuses.push({ w, ...id });
  }
  const changed = await appendEvents(client, eventRows);

  const resultOf = new Map([...ids.values()].map((v) => [v.recordId, v.resultId]));
  if (statuses.length > 0) {
    statuses.sort((a, b) => (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0));
    await lockRows(client, 'records', [...changed, ...statuses.map((s) => s.recordId)].sort());
    const summaries: typeof statuses = [];
    for (const s of statuses) {
      if (await applyRunStatus(client, s.w, s)) {
        changed.add(s.recordId);
        summaries.push(s);
      }
    }
    await touchRows(client, 'records', [...changed].sort());
    const resultIds = [...changed].map((r) => resultOf.get(r)!).sort();
    await lockRows(client, 'results', resultIds);
    for (const s of summaries) await applySummary(client, s.w, s);
    await touchRows(client, 'results', resultIds);
  } else {
    await touchRows(client, 'records', [...changed].sort());
    await touchRows(client, 'results', [...changed].map((r) => resultOf.get(r)!).sort());
  }
  return { changedLists: changed.size };
}

export async function writeBatch(pool: pg.Pool, writes: Write[]): Promise<BatchOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(pool, (client) => writeOnce(client, writes));
    } catch (err) {
      if (attempt < MAX_ATTEMPTS && classifyPgError(err) === 'conflict') {
        logger.debug({ err, attempt }, 'transaction conflict; retrying');
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
        continue;
      }
      throw err;
    }
  }
}
