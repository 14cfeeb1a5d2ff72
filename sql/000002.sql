-- record_events no longer references records by a foreign key.
--
-- The key's check took a key-share lock on the record row for every appended event, and each
-- append also updates that row (update_time, version): the two turned every busy record row
-- into a MultiXact and halved append throughput (bench/ingest.ts). Integrity is kept instead by
--   * appendEvents, which locks each record row before inserting its events and inserts
--     nothing for a record that is gone, and
--   * this trigger, which removes a deleted record's events, whoever deletes it (the cascade
--     from results included).
alter table record_events drop constraint record_events_record_id_fkey;

create function delete_record_events() returns trigger
language plpgsql
-- Runs as its owner: the roles that may delete results need no rights on record_events.
security definer
set search_path = public, pg_temp
as $$
begin
  delete from record_events where record_id in (select id from gone_records);
  return null;
end
$$;

create trigger records_delete_events
after delete on records
referencing old table as gone_records
for each statement
execute function delete_record_events();
