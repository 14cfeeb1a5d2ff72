/**
 * Names as Tekton Results spells them, so our records coincide with a Results install:
 *   result  `<parent>/results/<result uid>`
 *   record  `<parent>/results/<result uid>/records/<uuid v3('<run uid>eventlist', result uid)>`
 * The forwarder and the ingest function both derive them, with no round trip.
 */
import { v3 as uuidv3, validate as validUuid } from 'uuid';

export const EVENTLIST_TYPE = 'results.tekton.dev/v1.EventList';
export const EVENTLIST_ANNOTATION = 'results.tekton.dev/eventlist';

export { validUuid };

export function resultName(parent: string, resultUid: string): string {
  return `${parent}/results/${resultUid}`;
}

const recordIds = new Map<string, string>();
const RECORD_ID_CACHE = 10_000;

/** The record id of a run's EventList: UUID v3 (MD5) of `<run uid>eventlist` under the result uid. */
export function eventListRecordId(resultUid: string, runUid: string): string {
  // Every event of a batch asks again for its run's id; an MD5 each time showed in profiles.
  const key = `${resultUid}/${runUid}`;
  let id = recordIds.get(key);
  if (id === undefined) {
    id = uuidv3(`${runUid}eventlist`, resultUid);
    if (recordIds.size >= RECORD_ID_CACHE) recordIds.clear();
    recordIds.set(key, id);
  }
  return id;
}

export function recordName(parent: string, resultUid: string, recordId: string): string {
  return `${resultName(parent, resultUid)}/records/${recordId}`;
}

export function eventListRecordName(parent: string, resultUid: string, runUid: string): string {
  return recordName(parent, resultUid, eventListRecordId(resultUid, runUid));
}

/**
 * The run record of a run (`tekton.dev/v1.PipelineRun|TaskRun`): named by the run's uid under
 * its result, as the Results watcher names it. A Result's `summary.record` names its own run's.
 */
export function runRecordName(parent: string, resultUid: string, runUid: string): string {
  return recordName(parent, resultUid, runUid);
}

/** The Result annotation the Results watcher writes with the run's name. */
export const OBJECT_NAME_ANNOTATION = 'object.metadata.name';
/** The PipelineRun label Tekton sets to its Pipeline's name; the Results watcher copies it to the Result. */
export const PIPELINE_LABEL = 'tekton.dev/pipeline';

/** A Kubernetes namespace: an RFC 1123 DNS label. */
export const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
