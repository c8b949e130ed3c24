-- The lexical leg of retrieval: PostgreSQL full-text search over the registry's chunk text, fused
-- with Milvus's dense leg (adapters/postgres/chunk-text-search.ts). Every Milvus version and Zilliz
-- pair with it, where Milvus's own BM25 needs 2.5; on the PostgreSQL manual it ranks as well as
-- milvus-lite's BM25 at a fraction of the time (bench/README.md, "Search on the whole manual").
-- English stemming and stop words: the column is computed on insert, so changing the configuration
-- is a new migration that rewrites it.
ALTER TABLE chunks
  ADD COLUMN text_search tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED;
CREATE INDEX chunks_text_search ON chunks USING gin (text_search);
