import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { createEmbedderRegistry } from '../../adapters/embed/embedder-registry';
import { legacyMemoryCollection, liveAlias, memoryCollection } from '../../adapters/milvus/collection-names';
import {
  HYBRID_PROPERTY,
  IDENTITY_PROPERTY,
  SCHEMA_PROPERTY,
  bm25Function,
  chunkFields,
  indexParams,
} from '../../adapters/milvus/milvus-schema';
import { dropDatabase, ensureDatabase } from '../../adapters/postgres/ensure-database';
import { migrate } from '../../adapters/postgres/migrate';
import { registerIndex } from '../../adapters/postgres/vector-indexes';
import { embeddingIdentity } from '../../adapters/embed/embedding-models';
import { startReindex } from '../../client/reindex';
import type { ReindexStatusView } from '../../contracts/reindex';
import type { ChatHarness } from '../support/chat-harness';
import { CORPUS, ingestFor, newTenant, startChatHarness } from '../support/chat-harness';
import { pymilvusFields } from '../support/pymilvus';
import type { StackClients } from '../support/stack-clients';
import { openStackClients, storedChunkIds } from '../support/stack-clients';
import { testConfig, uniqueName } from '../support/test-env';

const MODEL = 'all-minilm-l6-v2';

/**
 * A stack from before the tenant partition key: its live chunk collection and its memories were
 * created with schema 1. New collections get `tenant` as their partition key (read back with
 * pymilvus), and a re-embed to the same model moves the live collection to it with every chunk.
 */
describe('tenant as the Milvus partition key', () => {
  const base = testConfig();
  const url = new URL(base.postgres.url);
  url.pathname = `/${uniqueName('legacy')}`;
  const prefix = uniqueName('legacy');
  const config = testConfig({
    DATABASE_URL: url.toString(),
    MEMFLOW_COLLECTION_PREFIX: prefix,
    TEMPORAL_TASK_QUEUE: `${process.env.TEMPORAL_TASK_QUEUE}-legacy`,
    OPENAI_BASE_URL: '',
    OPENAI_API_KEY: '',
  });
  const legacy = `${prefix}_chunks_all_minilm_l6_v2_v0`;
  const tenants = [newTenant(), newTenant()];
  let stores: StackClients;
  let harness: ChatHarness;
  let milvus: MilvusClient;

  /** What memflow created before schema 2: the same fields, `tenant` an ordinary field. */
  async function createLegacyCollection(name: string): Promise<void> {
    const identity = embeddingIdentity(MODEL);
    await milvus.createCollection({
      collection_name: name,
      fields: chunkFields(identity.dim, true).map(({ is_partition_key: _, ...field }) => field),
      functions: [bm25Function()],
      index_params: indexParams(identity.metric, true),
      properties: { [IDENTITY_PROPERTY]: JSON.stringify(identity), [HYBRID_PROPERTY]: 'true', [SCHEMA_PROPERTY]: '1' },
    });
    await milvus.loadCollectionSync({ collection_name: name });
  }

  before(async () => {
    await ensureDatabase(config.postgres.url);
    stores = await openStackClients(config);
    await migrate(stores.db, config.paths.migrations);
    milvus = new MilvusClient({ address: config.milvus.address });
    await createLegacyCollection(legacy);
    await registerIndex(stores.db, {
      collection: legacy,
      identity: embeddingIdentity(MODEL),
      state: 'live',
      tenantPartitioned: false,
    });
    await stores.vectors.setAlias(liveAlias(prefix), legacy);
    // Memories as a schema-1 stack kept them, before this process's first turn.
    const identity = embeddingIdentity(MODEL);
    await createLegacyCollection(legacyMemoryCollection(prefix, MODEL));
    const embedders = createEmbedderRegistry(config);
    const [v1, v2] = await (await embedders.get(MODEL)).embed(['My favourite index type is BRIN', 'I prefer GiST']);
    const memory = { docId: 'memory', docVersion: 1, ordinal: 0, title: 'memory', embeddingModel: identity.model };
    await stores.vectors.upsert(legacyMemoryCollection(prefix, MODEL), [
      {
        ...memory,
        id: 'mem:a',
        tenant: tenants[0]!,
        text: 'My favourite index type is BRIN',
        source: 'session:x',
        headingPath: 'r1',
        vector: v1!,
      },
      {
        ...memory,
        id: 'mem:b',
        tenant: tenants[1]!,
        text: 'I prefer GiST',
        source: 'session:y',
        headingPath: 'r2',
        vector: v2!,
      },
    ]);
    await embedders.close();
    harness = await startChatHarness(config);
    await ingestFor(harness, tenants[0]!, [CORPUS]);
    await ingestFor(harness, tenants[1]!, [path.join(CORPUS, 'aurora-kettle-warranty.md')]);
  });
  after(async () => {
    await harness.close();
    for (const c of await stores.vectors.listCollections(prefix)) await stores.vectors.dropCollection(c);
    await stores.close();
    await milvus.closeConnection();
    await dropDatabase(config.postgres.url);
  });

  test(
    'a re-embed to the same model moves a schema-1 collection to the partition key with every chunk',
    { timeout: 300_000 },
    async () => {
      assert.deepEqual(
        pymilvusFields(config, legacy).filter((f) => f.is_partition_key),
        [],
        'the legacy collection has no partition key',
      );
      const before = new Map<string, string[]>();
      for (const t of tenants) before.set(t, await storedChunkIds(stores.vectors, legacy, t));
      assert.ok(before.get(tenants[0]!)!.length > 0 && before.get(tenants[1]!)!.length > 0);

      const started = await startReindex(harness.client.temporal, config, stores.db, {
        model: MODEL,
        targetVersion: `${MODEL}@partition-key`,
        options: { pageSize: 64, batchSize: 16, minRecall: 0.5, minOverlap: 0.1, goldenSize: 10, retentionMs: 1000 },
      });
      const view = (await harness.client.temporal.workflow.getHandle(started.workflowId).result()) as ReindexStatusView;
      assert.equal(view.state, 'completed');

      const live = (await stores.vectors.resolveAlias(liveAlias(prefix)))!;
      assert.notEqual(live, legacy);
      assert.deepEqual(
        pymilvusFields(config, live)
          .filter((f) => f.is_partition_key)
          .map((f) => f.name),
        ['tenant'],
        'pymilvus reads tenant as the partition key of the new version',
      );
      for (const t of tenants) {
        const registry = (
          await stores.db.query(
            'SELECT c.chunk_id FROM chunks c JOIN documents d USING (tenant, doc_id) WHERE c.tenant = $1 AND c.version = d.live_version ORDER BY 1',
            [t],
          )
        ).rows.map((r: { chunk_id: string }) => r.chunk_id);
        const moved = await storedChunkIds(stores.vectors, live, t);
        assert.deepEqual(moved, before.get(t), `tenant ${t}: the same chunks, once each`);
        assert.deepEqual(moved, [...registry].sort(), `tenant ${t}: every registry chunk is accounted for`);
      }
      assert.deepEqual(
        await stores.vectors.listCollections(legacy),
        [],
        'the schema-1 version is dropped after retention',
      );
      const reply = await harness.client.chat(tenants[1]!, 'after', 'How long is the Aurora Kettle warranty?');
      assert.equal(reply.indexVersion, live);
      assert.ok(reply.citations.length > 0);
    },
  );

  test('memories move from the schema-1 collection to a partitioned one, each with its tenant', async () => {
    const old = legacyMemoryCollection(prefix, MODEL);
    // A turn that touches memory moves them (if an earlier one has not already).
    await harness.client.chat(tenants[0]!, 'mem', 'What is my favourite index type?');
    const fresh = memoryCollection(prefix, MODEL);
    assert.deepEqual(
      pymilvusFields(config, fresh)
        .filter((f) => f.is_partition_key)
        .map((f) => f.name),
      ['tenant'],
    );
    assert.ok(!(await stores.vectors.listCollections(old)).includes(old), 'the schema-1 memories are dropped');
    const a = await stores.vectors.query(fresh, { tenant: tenants[0]!, limit: 10, includeText: true });
    const b = await stores.vectors.query(fresh, { tenant: tenants[1]!, limit: 10, includeText: true });
    assert.deepEqual(
      a.map((m) => [m.id, m.text]),
      [['mem:a', 'My favourite index type is BRIN']],
    );
    assert.deepEqual(
      b.map((m) => [m.id, m.text]),
      [['mem:b', 'I prefer GiST']],
    );
  });
});
