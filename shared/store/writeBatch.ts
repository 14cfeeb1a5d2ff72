/**
 * Stores one request's writes: all of them or none.
 *
 * Only Events: lists not yet known are created, then one statement, atomic on its own, appends
 * every event. With run statuses: one transaction creates the missing results and records,
 * appends, and applies the statuses.
 * A deadlock or serialisation failure is retried on a fresh attempt.
 */
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { classifyPgError } from '../db/errors.js';
import { logger } from '../log.js';
import { listKeyString, type EventWrite, type ListKey, type StatusWrite, type Write } from './types.js';
import { ensureLists, ListsNotCreated } from './ensureLists.js';
import { createLists } from './createLists.js';
import { prepareAppend, runAppend, type PreparedAppend } from './appendEvents.js';
import { applyRunStatus, applySummary } from './applyRunStatus.js';
import { lockRows, touchRows } from './touchLists.js';

const MAX_ATTEMPTS = 5;

export interface BatchOutcome {
  /** records whose stored content changed */
  changedRecords: number;
}

/** A request's writes made ready to store: the Events serialised, the run statuses as they are. */
export interface PreparedBatch {
  events: PreparedAppend | undefined;
  statuses: StatusWrite[];
}

export function prepareBatch(writes: Write[]): PreparedBatch {
  return {
    events: prepareAppend(writes.filter((w): w is EventWrite => w.kind === 'event')),
    statuses: writes.filter((w): w is StatusWrite => w.kind === 'status'),
  };
}

function sortedKeys(lists: ListKey[]): ListKey[] {
  const keys = new Map<string, ListKey>();
  for (const k of lists) keys.set(listKeyString(k), k);
  return [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
}

/**
 * A list was missing when the events were appended (deleted by retention or a DELETE of its
 * result, or created by another writer too late to be seen): a conflict, so storeBatch starts
 * over and creates it.
 */
function listMissing(): Error {
  return Object.assign(new Error('an EventList was missing when events were appended to it (deleted, or created by another writer meanwhile)'), { code: '40001' });
}

/**
 * A result deleted between finding it and creating a record under it (23503, foreign key), or
 * a list missing when read back after creation: a conflict, start over.
 */
function deletedIsConflict(err: unknown): never {
  if ((err as { code?: unknown }).code === '23503' || err instanceof ListsNotCreated) throw listMissing();
  throw err;
}

async function writeInTransaction(client: pg.PoolClient, { events, statuses }: PreparedBatch): Promise<BatchOutcome> {
  const ids = await ensureLists(client, sortedKeys([...(events?.keys ?? []), ...statuses.map((s) => s.list)])).catch(deletedIsConflict);
  // Every record, then every result, this transaction touches is locked in one round each, in
  // id order, as appends lock theirs: locking in several rounds (events' records, statuses'
  // records; bumped results, summarised results) deadlocked with concurrent appends. A record
  // deleted since ensureLists found it is a conflict: start over.
  const recordIds = new Set([...ids.values()].map((i) => i.recordId));
  if ((await lockRows(client, 'records', recordIds)) < recordIds.size) throw listMissing();
  await lockRows(client, 'results', [...new Set([...ids.values()].map((i) => i.resultId))].sort());
  const appended = await runAppend(client, events);
  if (!appended.ready) throw listMissing();
  const changed = new Set(appended.changedRecords);
  const withIds = statuses
    .map((w) => ({ w, ...ids.get(listKeyString(w.list))! }))
    .sort((a, b) => (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0));
  const summaries: typeof withIds = [];
  for (const s of withIds) {
    if (await applyRunStatus(client, s.w, s)) summaries.push(s);
  }
  await touchRows(client, 'records', summaries.map((s) => s.recordId).filter((id) => !changed.has(id)));
  await lockRows(client, 'results', summaries.map((s) => s.resultId).sort());
  for (const s of summaries) await applySummary(client, s.w, s);
  await touchRows(client, 'results', summaries.map((s) => s.resultId).sort());
  for (const s of summaries) changed.add(s.recordId);
  return { changedRecords: changed.size };
}

/** How many list keys a process remembers as existing, per pool. */
const KNOWN_LISTS_MAX = 20_000;
const knownLists = new WeakMap<pg.Pool, Set<string>>();

function known(pool: pg.Pool): Set<string> {
  let set = knownLists.get(pool);
  if (!set) knownLists.set(pool, (set = new Set()));
  return set;
}

/**
 * Only Events: the lists this process has not yet seen exist are created first (one short
 * statement), then the events are appended (one statement). Steady state: one round trip.
 */
async function appendOnly(pool: pg.Pool, events: PreparedAppend): Promise<BatchOutcome> {
  const seen = known(pool);
  const keys = events.keyStrings;
  if (!keys.every((k) => seen.has(k))) await createLists(pool, events.keys).catch(deletedIsConflict);
  const appended = await runAppend(pool, events);
  if (!appended.ready) {
    // Created by a concurrent writer after createLists looked, or deleted since: start over.
    for (const k of keys) seen.delete(k);
    throw listMissing();
  }
  for (const k of keys) {
    if (seen.has(k)) continue;
    // Oldest first out: a Set iterates in insertion order.
    if (seen.size >= KNOWN_LISTS_MAX) seen.delete(seen.values().next().value!);
    seen.add(k);
  }
  return { changedRecords: appended.changedRecords.length };
}

async function writeOnce(pool: pg.Pool, batch: PreparedBatch): Promise<BatchOutcome> {
  if (batch.statuses.length === 0) return batch.events ? appendOnly(pool, batch.events) : { changedRecords: 0 };
  return inTransaction(pool, (client) => writeInTransaction(client, batch));
}

export function writeBatch(pool: pg.Pool, writes: Write[]): Promise<BatchOutcome> {
  return storeBatch(pool, prepareBatch(writes));
}

export async function storeBatch(pool: pg.Pool, batch: PreparedBatch): Promise<BatchOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeOnce(pool, batch);
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
