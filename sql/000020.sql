-- Filters over an EventList's items by reason, `data.items.exists(i, i.reason == "…")`, as
-- fast as the other list calls (docs/benchmarks.md has the plans):
--   * a rare reason across every namespace is found from the reason: scan this index for it,
--     join the few records, sort them;
--   * a common reason is found from the records page: walk the records in order and probe
--     this index with (reason, record_id) for each, stopping at the page's end.
-- The index leaves out the lifecycle reasons every pod emits several times (scheduler and
-- kubelet: Scheduled, Pulling, Pulled, Created, Started, Killing): they are most of the Events,
-- so leaving them out spares most appends the extra index entry, and a filter on one of them
-- needs no index, since nearly every record has it (the records page probes the primary key).
-- reason never changes, so a repeat's in-place update stays heap-only.
create index record_events_reason on record_events (reason, record_id)
  where reason <> all ('{Scheduled,Pulling,Pulled,Created,Started,Killing}'::text[]);

-- One namespace's records in create_time order (the records page of `<ns>/results/-/records`).
-- create_time never changes, so the records' update_time bumps stay heap-only.
create index records_parent_create_time on records (parent, create_time, id);
