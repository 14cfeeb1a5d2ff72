/**
 * A validated CloudEvent → the store write it stands for (SPEC §3, §4). Pure: no I/O.
 */
import type { z } from 'zod';
import {
  EVENT_TYPE,
  RUN_TYPE,
  EventDataSchema,
  RunStatusDataSchema,
  resourceVersionNumber,
  type PipelineRunRef,
  type RunRef,
} from '../../shared/event.js';
import { NAMESPACE_RE, eventListRecordId } from '../../shared/names.js';
import { fastEventData } from '../../shared/eventCheck.js';
import { eventWrite, type ListKey, type Write } from '../../shared/store/types.js';
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
    pipeline: pipelineRun?.pipeline,
  };
}

/**
 * The namespace (parent) of the run, from the subject (required: it is what a sender routes and
 * filters by), which must name the run of the data and agree with every namespace the data
 * names: an Event of `team-a` is never stored in `team-b`.
 */
function parentOf(ce: ParsedCloudEvent, run: RunRef, dataNamespaces: [string, string | undefined][], pointer: string): string | EventProblem {
  const at = `${pointer}.subject`;
  if (ce.subject === undefined) {
    const plural = run.kind === 'TaskRun' ? 'taskruns' : 'pipelineruns';
    return { pointer: at, detail: `required: namespaces/<namespace>/${plural}/${run.name}`, status: 400 };
  }
  const m = SUBJECT_RE.exec(ce.subject);
  if (!m) {
    return { pointer: at, detail: `"${ce.subject}" is not namespaces/<namespace>/<taskruns|pipelineruns>/<name>`, status: 400 };
  }
  const parent = m[1]!;
  const kind = m[2] === 'taskruns' ? 'TaskRun' : 'PipelineRun';
  if (kind !== run.kind || m[3] !== run.name) {
    return { pointer: at, detail: `"${ce.subject}" does not name the run in data.run (${run.kind} ${run.name})`, status: 400 };
  }
  if (!NAMESPACE_RE.test(parent)) {
    return { pointer: at, detail: `"${parent}" is not a Kubernetes namespace name (lower-case letters, digits and "-", at most 63)`, status: 400 };
  }
  for (const [field, ns] of dataNamespaces) {
    if (ns !== undefined && ns !== parent) {
      return { pointer: at, detail: `names namespace "${parent}" but ${field} is "${ns}"`, status: 400 };
    }
  }
  return parent;
}

/**
 * The first string (value or key) in `value` that Postgres cannot store: a NUL (text and
 * jsonb refuse U+0000) or a lone UTF-16 surrogate (json refuses the escape JSON.stringify
 * writes for it). Iterative: the depth is bounded (parse.ts), the breadth is not.
 */
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unstorableText(value: unknown, pointer: string): EventProblem | undefined {
  const stack: [unknown, string][] = [[value, pointer]];
  const check = (s: string, at: string): EventProblem | undefined => {
    if (s.includes('\u0000')) return { pointer: at, detail: 'must not contain the NUL character (\\u0000)', status: 400 };
    if (LONE_SURROGATE_RE.test(s)) return { pointer: at, detail: 'must not contain a lone UTF-16 surrogate (such as \\ud800 without its pair)', status: 400 };
    return undefined;
  };
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      const bad = check(v, at);
      if (bad) return bad;
    } else if (Array.isArray(v)) {
      v.forEach((child, i) => stack.push([child, `${at}[${i}]`]));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        const bad = check(k, `${at}.${k}`);
        if (bad) return bad;
        stack.push([child, `${at}.${k}`]);
      }
    }
  }
  return undefined;
}

function versionFromId(id: string): string {
  return resourceVersionNumber(id.slice(id.lastIndexOf('/') + 1));
}

export function toWrite(ce: ParsedCloudEvent, pointer: string): Write | EventProblem[] {
  // Say here what Postgres would refuse, rather than fail the batch later.
  if (ce.needsTextCheck) {
    const bad = unstorableText(ce.data, `${pointer}.data`);
    if (bad) return [bad];
  }
  if (ce.type === EVENT_TYPE) {
    // The hand-compiled check takes the common case; zod, the definition, answers the rest.
    const fast = fastEventData(ce.data);
    const parsed = fast ? ({ success: true, data: fast } as const) : EventDataSchema.safeParse(ce.data);
    if (!parsed.success) return zodProblems(`${pointer}.data`, parsed.error);
    const { event, run, pipelineRun } = parsed.data;
    const parent = parentOf(ce, run, [['data.event.metadata.namespace', event.metadata.namespace], ['data.event.regarding.namespace', event.regarding.namespace]], pointer);
    if (typeof parent !== 'string') return [parent];
    return eventWrite(listKey(parent, run, pipelineRun), ce.id, event);
  }
  if (ce.type === RUN_TYPE) {
    const parsed = RunStatusDataSchema.safeParse(ce.data);
    if (!parsed.success) return zodProblems(`${pointer}.data`, parsed.error);
    const { run, pipelineRun, status } = parsed.data;
    const parent = parentOf(ce, run, [], pointer);
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
