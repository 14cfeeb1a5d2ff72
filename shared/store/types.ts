/**
 * What the ingest function hands the store: one write per CloudEvent, already validated and
 * reduced to the keys the store upserts by.
 */
import type { RunStatus, StoredEvent } from '../event.js';

/** Where a run's EventList lives: its result (the PipelineRun, or a standalone TaskRun) and record. */
export interface ListKey {
  parent: string;
  /** uid of the result's run (the PipelineRun, or the standalone TaskRun) */
  resultUid: string;
  resultRunKind: 'PipelineRun' | 'TaskRun';
  resultRunName: string;
  /** UUID v3 record id, as Tekton Results derives it */
  recordId: string;
  runKind: 'PipelineRun' | 'TaskRun';
  runName: string;
  runUid: string;
}

export interface EventWrite {
  kind: 'event';
  list: ListKey;
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
  /** numeric string: the run's resourceVersion, so a late older status never wins */
  version: string;
  status: RunStatus;
}

export type Write = EventWrite | StatusWrite;

export function listKeyString(k: ListKey): string {
  return `${k.parent}\u0000${k.resultUid}\u0000${k.recordId}`;
}
