/**
 * The write protocol: stores a group of writes (one request's, or several merged by
 * appendQueue.ts) all at once or not at all.
 *
 * - Only Events, every list already known to this process, no active ChangeSink (or only the
 *   webhook outbox, whose rows the same statement writes): one autocommitted statement appends
 *   them (runAppend). Steady state: one round trip.
 * - Otherwise one transaction: the missing results and records are created (createLists), the
 *   run statuses' lists resolved and locked, the events appended, the statuses applied, the
 *   ChangeSink told what changed, then commit. A list is created in the transaction that
 *   appends to it, so a refused write leaves nothing behind. A result is created with its
 *   first-sight summary and annotations (createLists); the status step's touch of the results
 *   teaches one created without its Pipeline's name (touchResults), after the locks below.
 * A conflict (deadlock, serialisation failure, a list missing mid-write) retries the whole
 * write from the start (shared/db/retry.ts).
 *
 * LOCK ORDER, for every writer of results, records and record_events:
 *   1. creating lists inserts results, then records, in list-key order (listKeyString,
 *      compared as code points): concurrent creators of one list wait rather than deadlock;
 *   2. records are locked before results;
 *   3. within a table, rows are locked in id order, in one statement (lockLists, and the
 *      `locked`/`locked_results` steps of the append statement).
 * A DELETE of a result goes the other way (result, then its records, by cascade); it and the
 * writers it meets retry on the deadlock Postgres then reports.
 *
 * EXTENSION POINT: a ChangeSink (types.ts) gets every StoredChange of the write inside its
 * transaction, just before the commit. The webhook outbox joins the write there for run
 * statuses, and inside the append statement for Events (`eventsInAppend`).
 */
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { WriteConflict } from '../db/errors.js';
import { retryConflicts } from '../db/retry.js';
import { betterKey, listKeyString, type ChangeSink, type EventWrite, type ListKey, type StatusWrite, type StoredChange, type Write } from './types.js';
import { ensureLists } from './ensureLists.js';
import { createLists } from './createLists.js';
import { prepareAppend, prepareEvents, runAppend, type PreparedAppend, type PreparedEvent } from './appendEvents.js';
import { applyRunStatus, applySummary } from './applyRunStatus.js';
import { lockLists, touchResults, touchRows } from './touchLists.js';

export interface BatchOutcome {
  /** records whose stored content changed */
  changedRecords: number;
}

/**
 * Writes made ready to store: the Events serialised (prepareEvents), the run statuses as they
 * are. Batches merge by concatenation (mergeBatches).
 */
export interface PreparedBatch {
  events: PreparedEvent[];
  statuses: StatusWrite[];
}

export interface StoreOptions {
  /** told of every change inside the write's transaction (the webhook outbox) */
  sink?: ChangeSink | undefined;
}

export function prepareBatch(writes: readonly Write[]): PreparedBatch {
  return {
    events: prepareEvents(writes.filter((w): w is EventWrite => w.kind === 'event')),
    statuses: writes.filter((w): w is StatusWrite => w.kind === 'status'),
  };
}

export function mergeBatches(batches: readonly PreparedBatch[]): PreparedBatch {
  if (batches.length === 1) return batches[0]!;
  return { events: batches.flatMap((b) => b.events), statuses: batches.flatMap((b) => b.statuses) };
}

export function batchSize(b: PreparedBatch): number {
  return b.events.length + b.statuses.length;
}

function missing(): WriteConflict {
  return new WriteConflict('an EventList was missing when events were appended to it (deleted, or created by another writer meanwhile)');
}

/** A result deleted between finding it and creating a record under it (23503, foreign key): a conflict. */
function deletedIsConflict(err: unknown): never {
  if ((err as { code?: unknown }).code === '23503') throw missing();
  throw err;
}

function sortedKeys(lists: ListKey[]): ListKey[] {
  const keys = new Map<string, ListKey>();
  for (const k of lists) {
    const s = listKeyString(k);
    keys.set(s, betterKey(keys.get(s), k));
  }
  return [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
}

function byRecordId<T extends { recordId: string }>(a: T, b: T): number {
  return a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0;
}

async function writeInTransaction(
  client: pg.ClientBase,
  append: PreparedAppend | undefined,
  statuses: StatusWrite[],
  listsKnown: boolean,
  sink: ChangeSink | undefined,
): Promise<BatchOutcome> {
  const changes: StoredChange[] = [];
  const withIds: { w: StatusWrite; recordId: string; resultId: string }[] = [];
  if (statuses.length > 0) {
    const ids = await ensureLists(client, sortedKeys([...(append?.keys ?? []), ...statuses.map((s) => s.list)])).catch(deletedIsConflict);
    // Every record, then every result, this transaction touches is locked in one round each
    // (LOCK ORDER): locking in several rounds deadlocked with concurrent appends.
    const lists = [...ids.values()];
    if (!(await lockLists(client, lists.map((i) => i.recordId), lists.map((i) => i.resultId)))) throw missing();
    for (const w of statuses) withIds.push({ w, ...ids.get(listKeyString(w.list))! });
    withIds.sort(byRecordId);
  } else if (!listsKnown && append) {
    await createLists(client, append.keys).catch(deletedIsConflict);
  }
  const appendOpts = { reportChanges: sink !== undefined && !sink.eventsInAppend, outbox: sink?.eventsInAppend === true };
  let appended = await runAppend(client, append, appendOpts);
  if (!appended.ready && statuses.length === 0 && !listsKnown && append) {
    // A concurrent writer created one of these results after createLists' snapshot: ours waited
    // on its insert, skipped the row, and so created none of its records. That writer has
    // committed by now, and a new statement sees its rows: create what is still missing and
    // append again, rather than retrying the whole write after a back-off (first sight of a
    // PipelineRun whose TaskRuns arrive in concurrent requests does this all the time).
    await createLists(client, append.keys).catch(deletedIsConflict);
    appended = await runAppend(client, append, appendOpts);
  }
  if (!appended.ready) throw missing();
  changes.push(...appended.changes);
  const changed = new Set(appended.changedRecords);
  const summaries: typeof withIds = [];
  for (const s of withIds) {
    if (!(await applyRunStatus(client, s.w, s))) continue;
    summaries.push(s);
    changes.push({ kind: 'status', recordId: s.recordId, resultId: s.resultId, list: s.w.list, ceId: s.w.ceId, status: s.w.status });
  }
  await touchRows(client, 'records', summaries.map((s) => s.recordId).filter((id) => !changed.has(id)));
  for (const s of summaries) await applySummary(client, s.w, s);
  await touchResults(client, summaries.map((s) => ({ id: s.resultId, pipeline: s.w.list.pipeline })));
  for (const s of summaries) changed.add(s.recordId);
  if (sink && changes.length > 0) await sink.onChanges(client, changes);
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

function remember(seen: Set<string>, keys: readonly string[]): void {
  for (const k of keys) {
    if (seen.has(k)) continue;
    // Oldest first out: a Set iterates in insertion order.
    if (seen.size >= KNOWN_LISTS_MAX) seen.delete(seen.values().next().value!);
    seen.add(k);
  }
}

async function writeOnce(pool: pg.Pool, append: PreparedAppend | undefined, statuses: StatusWrite[], opts: StoreOptions): Promise<BatchOutcome> {
  const seen = known(pool);
  const keys = append?.keyStrings ?? [];
  const listsKnown = keys.every((k) => seen.has(k));
  const sink = opts.sink?.active() ? opts.sink : undefined;
  if (statuses.length === 0 && listsKnown && (!sink || sink.eventsInAppend)) {
    if (!append) return { changedRecords: 0 };
    // With the webhook outbox on, its rows are written by this same statement.
    const appended = await runAppend(pool, append, { outbox: sink !== undefined });
    if (!appended.ready) {
      // Deleted since this process saw it (retention, DELETE of its result): create it again.
      for (const k of keys) seen.delete(k);
      throw missing();
    }
    return { changedRecords: appended.changedRecords.length };
  }
  const outcome = await inTransaction(pool, (client) => writeInTransaction(client, append, statuses, listsKnown, sink));
  remember(seen, keys);
  return outcome;
}

/** Stores `batch`, all or nothing, retrying conflicts. Resolves once it is committed. */
export async function storeBatch(pool: pg.Pool, batch: PreparedBatch, opts: StoreOptions = {}): Promise<BatchOutcome> {
  const append = prepareAppend(batch.events);
  return retryConflicts(() => writeOnce(pool, append, batch.statuses, opts), { what: 'store a batch' });
}

export function writeBatch(pool: pg.Pool, writes: Write[], opts: StoreOptions = {}): Promise<BatchOutcome> {
  return storeBatch(pool, prepareBatch(writes), opts);
}
