import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverSupportsBm25, serverSupportsPartitionKey } from '../../adapters/milvus/milvus-schema';

test('only servers that know BM25 get a BM25 schema: Milvus 2.3/2.4 would crash loading it', () => {
  for (const version of ['v2.3.5-lite', 'v2.3.9', '2.4.15', 'v1.1.0']) assert.equal(serverSupportsBm25(version), false);
  for (const version of ['milvus_lite-3.2.2', 'v2.5.0', 'v2.6.3', '3.0.0'])
    assert.equal(serverSupportsBm25(version), true);
});

test('an unrecognised version (a managed service) is tried, with the create-time fallback', () => {
  assert.equal(serverSupportsBm25('Zilliz Cloud'), true);
  assert.equal(serverSupportsBm25(''), true);
});

test('tenant is the partition key where upserts into one work: milvus-lite, Milvus 2.4 and later', () => {
  for (const version of ['v2.3.5', 'v2.3.9', 'v2.2.16']) assert.equal(serverSupportsPartitionKey(version), false);
  for (const version of ['milvus_lite-3.2.2', 'v2.4.0', 'v2.5.10', '3.0.0', 'Zilliz Cloud'])
    assert.equal(serverSupportsPartitionKey(version), true);
});
