-- Filters over an EventList's items by reason, `data.items.exists(i, i.reason == "…")`, as
-- fast as the other list calls (docs/benchmarks.md has the plans):
--   * a rare reason across every namespace is found from the reason: scan this index for it,
--     join the few records, sort them;
--   * a common reason is found from the records page: walk the records in order and probe
--     this index with (reason, record_id) for each, stopping at the page's end.
-- One index serves both. It costs each append one more index entry (reason never changes, so
-- a repeat's in-place update stays heap-only); the benchmark measures ingest with and without it.
create index record_events_reason on record_events (reason, record_id);

-- One namespace's records in create_time order (the records page of `<ns>/results/-/records`).
-- create_time never changes, so the records' update_time bumps stay heap-only.
create index records_parent_create_time on records (parent, create_time, id);
