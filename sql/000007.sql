-- Webhook subscriptions and their transactional outbox. Terminology:
--   subscription  a target URL, a CEL filter, the namespaces and kinds it covers, a signing secret
--   change        one stored change (an Event's new state, a run's terminal status), written in the
--                 same transaction as the change itself: the outbox
--   delivery      one change for one subscription: its attempts, answers and next retry
--
-- The dispatcher fans changes out to deliveries and hands each delivery to the job queue
-- (pg-boss, schema pgboss, which it creates itself). The functions that serve people never touch
-- the queue: a redelivery is asked for here (requeue) and relayed by the dispatcher.

create table webhook_subscriptions (
  id uuid primary key default gen_random_uuid(),
  url text not null,
  -- CEL over the change (event.*, run.*, status.*, kind); '' matches everything
  filter text not null default '',
  -- null: every namespace (only a caller who may read every namespace makes one)
  namespaces text[],
  kinds text[] not null check (kinds <@ array['event', 'run'] and cardinality(kinds) > 0),
  -- the whsec_ secret, AES-256-GCM encrypted (shared/webhooks/secret.ts); never returned
  secret_ciphertext text not null,
  enabled boolean not null default true,
  disabled_reason text,
  create_time timestamptz not null default now(),
  update_time timestamptz not null default now()
);

create table webhook_changes (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('event', 'run')),
  namespace text not null,
  -- the Result the change belongs to: its deliveries go when it goes (retention, DELETE)
  result_id uuid not null,
  -- the CloudEvent attributes of the stored state; id is the one the forwarder sent
  ce_id text not null,
  ce_subject text not null,
  ce_time timestamptz,
  -- {event, run, pipelineRun} or {run, pipelineRun, status}, as stored by this transaction
  data json not null,
  stored_at timestamptz not null default clock_timestamp(),
  fanned_out boolean not null default false
);
create index webhook_changes_pending on webhook_changes (id) where not fanned_out;
create index webhook_changes_result on webhook_changes (result_id);

create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  subscription_id uuid not null references webhook_subscriptions (id) on delete cascade,
  change_id bigint not null references webhook_changes (id) on delete cascade,
  -- pending → delivered | failed (dead letter: max age, or 410 Gone) | cancelled (subscription disabled)
  state text not null default 'pending' check (state in ('pending', 'delivered', 'failed', 'cancelled')),
  attempts integer not null default 0,
  last_status integer,
  last_error text,
  last_latency_ms integer,
  last_attempt_time timestamptz,
  next_attempt_time timestamptz,
  delivered_time timestamptz,
  -- the last attempts, newest first: [{time, status, error, latency_ms}]
  attempt_log jsonb not null default '[]',
  -- no retry is made after this: the delivery becomes a dead letter
  expire_time timestamptz not null,
  -- an attempt in flight holds the delivery until then (a crashed dispatcher's lease runs out)
  lease_until timestamptz,
  -- a redelivery asked for through the API, waiting for the dispatcher to queue it
  requeue boolean not null default false,
  create_time timestamptz not null default now(),
  unique (subscription_id, change_id)
);
create index webhook_deliveries_subscription on webhook_deliveries (subscription_id, create_time desc, id desc);
create index webhook_deliveries_change on webhook_deliveries (change_id);
create index webhook_deliveries_requeue on webhook_deliveries (id) where requeue;
create index webhook_deliveries_pending on webhook_deliveries (change_id) where state = 'pending';

-- Encrypts subscription secrets when WEBHOOK_SECRET_KEY is not configured.
insert into settings (key, value)
values ('webhook_secret_key', replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''));

-- Deleting a Result (retention, or DELETE of the API) removes its changes and so their deliveries.
create function delete_webhook_changes() returns trigger
language plpgsql
-- Runs as its owner: the roles that may delete results need no rights on the webhook tables.
security definer
set search_path = public, pg_temp
as $$
begin
  delete from webhook_changes where result_id in (select id from gone_results);
  return null;
end
$$;

create trigger results_delete_webhook_changes
after delete on results
referencing old table as gone_results
for each statement
execute function delete_webhook_changes();
