-- Re-embed saga state. The seed columns of reindex_control stay exactly as 001 created them.
ALTER TABLE reindex_control
  ADD COLUMN model TEXT,
  ADD COLUMN status TEXT NOT NULL DEFAULT 'requested'
    CHECK (status IN ('requested', 'running', 'paused', 'validating', 'cutover', 'completed',
                      'failed', 'cancelled', 'rolled_back')),
  ADD COLUMN error TEXT,
  ADD COLUMN workflow_id TEXT,
  ADD COLUMN collection TEXT,
  ADD COLUMN previous_collection TEXT,
  ADD COLUMN options JSONB NOT NULL DEFAULT '{}',
  ADD COLUMN golden_queries JSONB,
  ADD COLUMN validation JSONB,
  ADD COLUMN updated_at TIMESTAMP DEFAULT now();

-- Exactly one saga per target version at a time: a concurrent second request finds the first.
CREATE UNIQUE INDEX reindex_control_one_active_target ON reindex_control (target_version)
  WHERE status IN ('requested', 'running', 'paused', 'validating', 'cutover', 'completed');

-- Index states: 'preparing' (created, not written by ingestion), 'building' (dual-write on),
-- 'live' (served through the alias), 'retained' (the previous version: still written, kept for
-- rollback until its retention ends), 'retired'/'dropped'.
ALTER TABLE vector_indexes DROP CONSTRAINT vector_indexes_state_check;
ALTER TABLE vector_indexes ADD CONSTRAINT vector_indexes_state_check
  CHECK (state IN ('preparing', 'building', 'live', 'retained', 'retired', 'dropped'));
