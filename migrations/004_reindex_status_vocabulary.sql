-- One status vocabulary for a re-embed (contracts/reindex.ts REINDEX_STATUSES): the row, the saga's
-- view, the CLI and the MemflowState search attribute all use the saga's own state names.
ALTER TABLE reindex_control DROP CONSTRAINT reindex_control_status_check;
DROP INDEX reindex_control_one_active_target;
UPDATE reindex_control SET status = CASE status
    WHEN 'running' THEN 'backfilling'
    WHEN 'rolled_back' THEN 'rolled-back'
    ELSE status END;
ALTER TABLE reindex_control ADD CONSTRAINT reindex_control_status_check
  CHECK (status IN ('requested', 'creating', 'dual-write', 'backfilling', 'validating', 'cutover', 'paused',
                    'retaining', 'compensating', 'completed', 'failed', 'cancelled', 'rolled-back'));

-- The one place that says which statuses hold a target version's slot: all but the three that end a
-- run without its version serving. Queries call it instead of listing statuses.
CREATE FUNCTION reindex_holds_target(status TEXT) RETURNS BOOLEAN
  LANGUAGE sql IMMUTABLE AS $$ SELECT status NOT IN ('failed', 'cancelled', 'rolled-back') $$;
CREATE UNIQUE INDEX reindex_control_one_active_target ON reindex_control (target_version)
  WHERE reindex_holds_target(status);

-- What a run still has to do after its cutover (e.g. dropping the previous version) and why it has
-- not happened yet; and the outcome of each compensation when a run failed or was cancelled.
ALTER TABLE reindex_control
  ADD COLUMN pending TEXT,
  ADD COLUMN compensations JSONB;

-- 'retired' was never written.
ALTER TABLE vector_indexes DROP CONSTRAINT vector_indexes_state_check;
ALTER TABLE vector_indexes ADD CONSTRAINT vector_indexes_state_check
  CHECK (state IN ('preparing', 'building', 'live', 'retained', 'dropped'));
