/**
 * What the ingest function hands the store: one write per CloudEvent, already validated and
 * reduced to the keys the store upserts by; and what the store reports back as changed.
 */
import type pg from 'pg';
import { eventKey, firstSeen, lastSeen, resourceVersionNumber, seriesCount, type RunStatus, type StoredEvent } from '../event.js';

/** Where a run's EventList lives: its result (the PipelineRun, or a standalone TaskRun) and record. */
export interface ListKey {
  parent: string;
  /** uid of the result's run (the PipelineRun, or the standalone TaskRun) */
  resultUid: string;
  resultRunKind: 'PipelineRun' | 'TaskRun';
  resultRunName: string;
  /** UUID v3 record id, as Tekton Results derives it (the record's `name` column) */
  recordId: string;
  runKind: 'PipelineRun' | 'TaskRun';
  runName: string;
  runUid: string;
  /**
   * The result's Pipeline (the PipelineRun's `tekton.dev/pipeline` label), when the sender
   * knew it: kept in the Result's annotations. Not part of the key (listKeyString).
   */
  pipeline?: string | undefined;
}

export interface EventWrite {
  kind: 'event';
  list: ListKey;
  /** the CloudEvent's id: `<event uid>/<resourceVersion>` */
  ceId: string;
  key: string;
  seriesCount: number;
  lastSeen: string;
  /** numeric string */
  resourceVersion: string;
  firstSeen: string;
  reason: string;
  type: string | null;
  event: StoredEvent;
}

export interface StatusWrite {
  kind: 'status';
  list: ListKey;
  /** the CloudEvent's id: `<run uid>/<resourceVersion>` */
  ceId: string;
  /** numeric string: the run's resourceVersion, so a late older status never wins */
  version: string;
  status: RunStatus;
}

export type Write = EventWrite | StatusWrite;

/** The write of one validated Event into `list`: the keys the store upserts and orders it by. */
export function eventWrite(list: ListKey, ceId: string, event: StoredEvent): EventWrite {
  return {
    kind: 'event',
    list,
    ceId,
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

export function listKeyString(k: ListKey): string {
  return `${k.parent}\u0000${k.resultUid}\u0000${k.recordId}`;
}

/** Of two writes' keys of one list, the one to create or teach the list with: one that knows the pipeline. */
export function betterKey(prev: ListKey | undefined, next: ListKey): ListKey {
  return prev && prev.pipeline !== undefined && next.pipeline === undefined ? prev : next;
}

/**
 * One stored change, reported to the ChangeSink inside the transaction that makes it.
 *
 * - `event`: an EventList item that is new (`created: true`) or whose newer state replaced the
 *   stored one. A repeat that grew `series.count` is one change per state that won; a
 *   redelivery of a stored state, or an older state arriving late, is no change.
 * - `status`: a run status (dev.tekton.results.run.v1) that replaced the stored one.
 */
export type StoredChange = StoredEventChange | StoredStatusChange;

interface ChangeBase {
  /** `records.id` of the EventList (the row id, not the record name) */
  recordId: string;
  /** `results.id` of its Result */
  resultId: string;
  /** the list: namespace (`parent`), result uid, record name, run kind/name/uid */
  list: ListKey;
  /** the CloudEvent id of the state that was stored */
  ceId: string;
}

export interface StoredEventChange extends ChangeBase {
  kind: 'event';
  /** the item's key: the Event's uid (its namespace/name when it has none) */
  eventKey: string;
  /** true: a new item; false: a newer state replaced the stored one */
  created: boolean;
}

export interface StoredStatusChange extends ChangeBase {
  kind: 'status';
  status: RunStatus;
}

/**
 * The extension point of the write protocol (shared/store/writeBatch.ts): the outbox step of
 * webhook deliveries plugs in here.
 *
 * `onChanges(client, changes)` runs inside the transaction that stores the changes, after
 * every append and status of the write and before its commit, on the transaction's client: what
 * it writes commits or rolls back with the data. It is called once per attempt that gets that
 * far (a conflict retry calls it again, in the new transaction), and only when `changes` is not
 * empty. Under group commit one call covers every request of the group. Throwing fails the
 * write (nothing is stored, the requests are answered 503 unless the error is classified
 * otherwise).
 *
 * While a sink is `active()`, appends run in an explicit transaction (begin, append, onChanges,
 * commit) instead of one autocommitted statement; return false when there is nothing to deliver
 * to (no subscriptions), so ingest keeps its one-round-trip path.
 *
 * The webhook outbox goes further (`eventsInAppend`): its rows for Events are written by the
 * append statement itself (outbox.ts APPEND_OUTBOX_SQL), so an append to known lists stays one
 * autocommitted statement, and `onChanges` is told only of run statuses.
 */
export interface ChangeSink {
  active(): boolean;
  /** true: the append statement writes this sink's rows for Events; onChanges gets statuses only */
  eventsInAppend?: boolean;
  onChanges(client: pg.ClientBase, changes: StoredChange[]): Promise<void>;
}
