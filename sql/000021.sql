-- Results as the Tekton Results watcher writes them, for the rows stored before this release:
--   * summary.record names the run's record (<result>/records/<run uid>), which summary.type
--     (tekton.dev/v1.PipelineRun|TaskRun) describes, not the run's EventList;
--   * a result whose run has not finished has a summary too, status UNKNOWN and no end_time,
--     as new results get on first sight (shared/store/createLists.ts);
--   * annotations carry object.metadata.name, the run's name.
-- Rewritten here once rather than mended on every read: filters, orders and every reader then
-- see one shape. The pipeline name (tekton.dev/pipeline) cannot be known from the rows; a
-- result learns it from its runs' next statuses.
--
-- version moves (the etag changes with the content); update_time stays: nothing happened to
-- the runs.
update results
   set summary = case
         when summary is null then jsonb_build_object(
           'record', parent || '/results/' || name || '/records/' || name,
           'type', 'tekton.dev/v1.' || run_kind,
           'status', 'UNKNOWN')
         else jsonb_set(summary, '{record}', to_jsonb(parent || '/results/' || name || '/records/' || name))
       end,
       annotations = annotations || jsonb_build_object('object.metadata.name', run_name),
       version = version + 1
 where summary is null
    or summary->>'record' is distinct from parent || '/results/' || name || '/records/' || name
    or not annotations ? 'object.metadata.name';
