-- The document and chunk registry: the source of truth for what memory holds. Search results are
-- checked against documents.live_version, so switching a document to a new version is one UPDATE.
CREATE TABLE documents (
  tenant TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  source_uri TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  content_hash TEXT,                 -- hash of the live version's bytes
  live_version INT,                  -- NULL until a version has been fully written
  pending_version INT,               -- being written; invisible to search until it becomes live
  pending_hash TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
  error TEXT,
  chunk_count INT NOT NULL DEFAULT 0,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, doc_id)
);

CREATE TABLE chunks (
  chunk_id TEXT PRIMARY KEY,         -- doc_id:version:ordinal:text-hash
  tenant TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  version INT NOT NULL,
  ordinal INT NOT NULL,
  text TEXT NOT NULL,
  text_hash TEXT NOT NULL,
  token_count INT NOT NULL,
  heading_path TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (tenant, doc_id, version, ordinal),
  FOREIGN KEY (tenant, doc_id) REFERENCES documents (tenant, doc_id) ON DELETE CASCADE
);
CREATE INDEX chunks_tenant_doc_version ON chunks (tenant, doc_id, version);

-- Vector collections memflow has created, with the embedding identity each one holds.
CREATE TABLE vector_indexes (
  collection TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  dim INT NOT NULL,
  metric TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('live', 'building', 'retired', 'dropped')),
  reindex_id INT REFERENCES reindex_control (id),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
