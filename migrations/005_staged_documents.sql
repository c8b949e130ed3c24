-- Documents a caller (the CLI, the client library, later the HTTP API) read on its own side and
-- handed over for ingestion: the worker reads their content from here, never from a path a caller
-- chose. The id is derived from tenant, source URI and content hash, so staging the same file twice
-- is one row. Rows are deleted once their ingest batch has registered them, and any older than a
-- day when something new is staged.
CREATE TABLE staged_documents (
  staged_id TEXT PRIMARY KEY CHECK (staged_id ~ '^[0-9a-f]{32}$'),
  tenant TEXT NOT NULL,
  source_uri TEXT NOT NULL,
  content BYTEA NOT NULL,
  size_bytes INT NOT NULL CHECK (size_bytes = octet_length(content) AND size_bytes <= 16777216),
  sha256 TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  -- Millisecond precision: the value a client reads back is the exact one a release compares with.
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX staged_documents_created_at ON staged_documents (created_at);
