/**
 * A validated CloudEvent → the store write it stands for (SPEC §3, §4). Pure: no I/O.
 */
import type { z } from 'zod';
import {
  EVENT_TYPE,
  RUN_TYPE,
  EventDataSchema,
  RunStatusDataSchema,
  eventKey,
  firstSeen,
  lastSeen,
  resourceVersionNumber,
  seriesCount,
  type PipelineRunRef,
  type RunRef,
} from '../../shared/event.js';
import { NAMESPACE_RE, eventListRecordId } from '../../shared/names.js';
import type { ListKey, Write } from '../../shared/store/types.js';
import type { EventProblem, ParsedCloudEvent } from './parse.js';

const SUBJECT_RE = /^namespaces\/([^/]+)\/(taskruns|pipelineruns)\/([^/]+)$/;

function zodProblems(pointer: string, error: z.ZodError): EventProblem[] {
  return error.issues.map((i) => ({
    pointer: [pointer, ...i.path.map(String)].join('.'),
    detail: i.message,
    status: 400 as const,
  }));
}

function listKey(parent: string, run: RunRef, pipelineRun: PipelineRunRef): ListKey {
  const result =
    run.kind === 'TaskRun' && pipelineRun
      ? { uid: pipelineRun.uid, kind: 'PipelineRun' as const, name: pipelineRun.name }
      : { uid: run.uid, kind: run.kind, name: run.name };
  return {
    parent,
    resultUid: result.uid,
    resultRunKind: result.kind,
    resultRunName: result.name,
    recordId: eventListRecordId(result.uid, run.uid),
    runKind: run.kind,
    runName: run.name,
    runUid: run.uid,
  };
}

/**
 * The namespace (parent) of the run: from the subject, which must then agree with the data,
 * or else from the Event itself.
 */
function parentOf(ce: ParsedCloudEvent, run: RunRef, fallback: string | undefined, pointer: string): string | EventProblem {
  let parent = fallback;
  if (ce.subject !== undefined) {
    const m = SUBJECT_RE.exec(ce.subject);
    if (!m) {
      return { pointer: `${pointer}.subject`, detail: `"${ce.subject}" is not namespaces/<ns>/<taskruns|pipelineruns>/<name>`, status: 400 };
    }
    const kind = m[2] === 'taskruns' ? 'TaskRun' : 'PipelineRun';
    if (kind !== run.kind || m[3] !== run.name) {
      return { pointer: `${pointer}.subject`, detail: `"${ce.subject}" does not name the run in data.run (${run.kind} ${run.name})`, status: 400 };
    }
    parent = m[1];
  }
  if (parent === undefined) {
    return { pointer: `${pointer}.subject`, detail: 'no namespace: set the subject to namespaces/<ns>/<kind>/<name>', status: 400 };
  }
  if (!NAMESPACE_RE.test(parent)) {
    return { pointer: `${pointer}.subject`, detail: `"${parent}" is not a valid namespace name`, status: 400 };
  }
  return parent;
}

function versionFromId(id: string): string {
  return resourceVersionNumber(id.slice(id.lastIndexOf('/') + 1));
}

export function toWrite(ce: ParsedCloudEvent, pointer: string): Write | EventProblem[] {
  // Postgres cannot store U+0000 in text; say so here rather than fail the batch later.
  if (ce.mayContainNul && JSON.stringify(ce.data).includes('\\u0000')) {
    return [{ pointer: `${pointer}.data`, detail: 'strings must not contain the NUL character (\\u0000)', status: 400 }];
  }
  if (ce.type === EVENT_TYPE) {
    const parsed = EventDataSchema.safeParse(ce.data);
    if (!parsed.success) return zodProblems(`${pointer}.data`, parsed.error);
    const { event, run, pipelineRun } = parsed.data;
    const parent = parentOf(ce, run, event.metadata.namespace ?? event.regarding.namespace, pointer);
    if (typeof parent !== 'string') return [parent];
    return {
      kind: 'event',
      list: listKey(parent, run, pipelineRun),
      ceId: ce.id,
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
  if (ce.type === RUN_TYPE) {
    const parsed = RunStatusDataSchema.safeParse(ce.data);
    if (!parsed.success) return zodProblems(`${pointer}.data`, parsed.error);
    const { run, pipelineRun, status } = parsed.data;
    const parent = parentOf(ce, run, undefined, pointer);
    if (typeof parent !== 'string') return [parent];
    return { kind: 'status', list: listKey(parent, run, pipelineRun), ceId: ce.id, version: versionFromId(ce.id), status };
  }
  return [
    {
      pointer: `${pointer}.type`,
      detail: `unsupported event type "${ce.type}": expected ${EVENT_TYPE} or ${RUN_TYPE}`,
      status: 400,
    },
  ];
}
