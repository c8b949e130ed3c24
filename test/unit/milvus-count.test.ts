import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDENTITY_PROPERTY } from '../../adapters/milvus/milvus-schema';
import { MilvusVectorStore } from '../../adapters/milvus/milvus-store';

const OK = { error_code: 'Success', code: 0, reason: '' };
const COLLECTION = 'unit_chunks_m_v0';
/** What milvus-lite 3.2 answers a filtered count(*) query on a collection its restart released (seen). */
const RELEASED = {
  status: {
    error_code: 101,
    code: 101,
    reason: `Collection '${COLLECTION}' is in state 'released'; call load() before search/get/query`,
  },
  data: [],
};

/** A store whose Milvus client is a fake: a collection released by a restart until it is loaded again. */
async function storeWithReleasedCollection() {
  const calls: string[] = [];
  let loaded = false;
  const fake = {
    describeCollection: async () => ({
      status: OK,
      collection_name: COLLECTION,
      aliases: [],
      properties: [{ key: IDENTITY_PROPERTY, value: JSON.stringify({ model: 'm', dim: 8, metric: 'COSINE' }) }],
      schema: { fields: [] },
    }),
    query: async (request: { expr: string; output_fields: string[] }) => {
      calls.push(`query ${request.output_fields.join(',')} where ${request.expr || 'true'}`);
      return loaded ? { status: OK, data: [{ 'count(*)': '3' }] } : RELEASED;
    },
    /** As the SDK (3.0.6) counts: its query's first row, read before its status. */
    count: async (request: { expr: string }) => {
      const reply = await fake.query({ expr: request.expr, output_fields: ['count(*)'] });
      return { status: reply.status, data: Number((reply.data as Record<string, string>[])[0]!['count(*)']) };
    },
    loadCollectionSync: async () => {
      calls.push('load');
      loaded = true;
      return OK;
    },
  };
  const store = new MilvusVectorStore({ address: '127.0.0.1:1', flavor: 'lite', timeoutMs: 1 });
  await store.close();
  Object.assign(store as unknown as Record<string, unknown>, { client: fake });
  return { store, calls };
}

test('a count on a collection released by a Milvus restart loads it and counts', async () => {
  const { store, calls } = await storeWithReleasedCollection();
  assert.equal(await store.count(COLLECTION, { tenant: 'acme' }), 3);
  assert.deepEqual(calls, [`query count(*) where tenant == "acme"`, 'load', `query count(*) where tenant == "acme"`]);
});
