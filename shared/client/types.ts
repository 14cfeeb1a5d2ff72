/**
 * The JSON the API answers, as clients see it: the Results-shaped resources (snake_case, as
 * Tekton Results' gateway writes them) and the timeline (shared/store/runTimeline.ts).
 */
export type { Timeline, TimelineEvent, RunInfo, StepTermination, Diagnosis, Cause, RunKind } from '../store/runTimeline.js';
import type { StoredEvent, SummaryStatus } from '../event.js';

/**
 * A Result's summary: from its run's first sight `{record, type, status: UNKNOWN}` (running,
 * see runningSummary in shared/event.ts), then, once the run finished, with its times and the
 * terminal condition's reason and message.
 */
export interface ResultSummary {
  /** the run's record: `<ns>/results/<result>/records/<run uid>` */
  record: string;
  type: string;
  status: SummaryStatus;
  start_time?: string | null;
  end_time?: string | null;
  annotations?: { reason?: string; message?: string };
}

export interface Result {
  name: string;
  id: string;
  uid: string;
  annotations: Record<string, string>;
  summary?: ResultSummary;
  etag: string;
  create_time: string;
  update_time: string;
}

export interface ResultRecord {
  name: string;
  id: string;
  uid: string;
  data: { type: string; value: string };
  etag: string;
  create_time: string;
  update_time: string;
}

export interface EventList {
  kind: 'EventList';
  apiVersion: string;
  items: StoredEvent[];
}

export interface ListOptions {
  filter?: string | undefined;
  pageSize?: number | undefined;
  pageToken?: string | undefined;
  /** `create_time` or `update_time`, then `asc` or `desc`: "create_time desc". */
  orderBy?: string | undefined;
}

export interface ResultPage {
  results: Result[];
  next_page_token?: string;
}

export interface RecordPage {
  records: ResultRecord[];
  next_page_token?: string;
}

/** What a webhook subscription pushes: stored Events, run-finished statuses, or both. */
export type ChangeKind = 'event' | 'run';

/** A webhook subscription as the API answers it (docs/webhooks.md). */
export interface Subscription {
  id: string;
  url: string;
  filter: string;
  /** null: every namespace */
  namespaces: string[] | null;
  kinds: ChangeKind[];
  enabled: boolean;
  disabled_reason: string | null;
  create_time: string;
  update_time: string;
}

/** The create call's answer: the only one that ever carries the signing secret. */
export interface CreatedSubscription extends Subscription {
  secret: string;
}

export interface NewSubscription {
  url: string;
  filter?: string | undefined;
  namespaces?: string[] | undefined;
  kinds?: ChangeKind[] | undefined;
  /** Standard Webhooks form `whsec_…`; the server generates one when omitted. */
  secret?: string | undefined;
}

export interface SubscriptionPage {
  subscriptions: Subscription[];
  next_page_token?: string;
}
