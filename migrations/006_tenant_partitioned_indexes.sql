-- Collections created from here on have `tenant` as their Milvus partition key (schema 2); the
-- ones before do not. A re-embed to the same model moves a collection to the new schema.
ALTER TABLE vector_indexes ADD COLUMN tenant_partitioned BOOLEAN NOT NULL DEFAULT false;
