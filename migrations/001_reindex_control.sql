-- The seed table: one row per re-embed request. Later migrations may add columns, never change these.
CREATE TABLE reindex_control (
  id SERIAL PRIMARY KEY,
  target_version TEXT NOT NULL,
  requested_at TIMESTAMP DEFAULT now(),
  completed_at TIMESTAMP
);
