-- The event store. Terminology (as Tekton Results uses it):
--   result  one per PipelineRun, or per standalone TaskRun; named <parent>/results/<run uid>
--   record  one EventList per TaskRun and per PipelineRun, under its result
--   event   one item of an EventList: one Kubernetes Event (by uid) in its latest state
--
-- An EventList is not stored as one JSONB array: appending to an array rewrites the whole row,
-- so appends slow down as lists grow. Each item is its own row in record_events instead, and the
-- list is assembled, in order, when it is read.

create table settings (
  key text primary key,
  value text not null
);

-- Signs page tokens, shared by every function instance without extra configuration.
insert into settings (key, value)
values ('page_token_secret', md5(random()::text || clock_timestamp()::text) || md5(random()::text));

create table results (
  id uuid primary key default gen_random_uuid(),
  parent text not null,
  -- the uid of the PipelineRun (or standalone TaskRun) this result is for
  name text not null,
  run_kind text not null check (run_kind in ('PipelineRun', 'TaskRun')),
  run_name text not null,
  annotations jsonb not null default '{}',
  summary jsonb,
  create_time timestamptz not null default now(),
  update_time timestamptz not null default now(),
  version bigint not null default 1,
  unique (parent, name)
);
create index results_parent_create_time on results (parent, create_time, id);
create index results_parent_update_time on results (parent, update_time, id);
create index results_create_time on results (create_time, id);
create index results_update_time on results (update_time, id);
create index results_parent_run on results (parent, run_kind, run_name);

create table records (
  id uuid primary key default gen_random_uuid(),
  result_id uuid not null references results (id) on delete cascade,
  -- denormalised from the result: the timeline finds runs by namespace and name
  parent text not null,
  -- UUID v3 of '<run uid>eventlist' under the result uid, as Tekton Results derives it
  name text not null,
  type text not null default 'results.tekton.dev/v1.EventList',
  run_kind text not null check (run_kind in ('PipelineRun', 'TaskRun')),
  run_name text not null,
  run_uid text not null,
  -- the run's terminal status (dev.tekton.results.run.v1), and the resourceVersion it had
  run_status jsonb,
  run_status_version numeric,
  create_time timestamptz not null default now(),
  update_time timestamptz not null default now(),
  version bigint not null default 1,
  unique (result_id, name)
);
-- Every append bumps its record's update_time and version, so no index covers them: the bump
-- stays a heap-only (HOT) update with room on the page (fillfactor), not a write to every index.
-- Listing records by update_time sorts instead; the lists under one result are short.
alter table records set (fillfactor = 80);
create index records_result_create_time on records (result_id, create_time, id);
create index records_create_time on records (create_time, id);
create index records_parent_run on records (parent, run_kind, run_name);

create table record_events (
  record_id uuid not null references records (id) on delete cascade,
  -- the Event's uid (its namespace/name when it has none)
  event_key text not null,
  -- "latest state" is the highest (series_count, last_seen, resource_version)
  series_count bigint not null,
  last_seen timestamptz not null,
  resource_version numeric not null,
  first_seen timestamptz not null,
  reason text not null,
  type text,
  -- json, not jsonb: kept as sent (field order too) and never queried inside
  event json not null,
  primary key (record_id, event_key)
) with (fillfactor = 90); -- room for in-place (HOT) updates when a repeating Event grows its series
-- No index on (record_id, first_seen): the primary key finds a list's items and sorting one list
-- on read is cheap, while every extra index is paid on every append.
