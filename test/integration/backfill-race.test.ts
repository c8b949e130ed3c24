import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Embedder } from '../../adapters/embed/embedder';
import { createEmbedderRegistry } from '../../adapters/embed/embedder-registry';
import type { BackfillPageResult } from '../../activities/reindex/backfill';
import { backfillPage } from '../../activities/reindex/backfill';
import type { LiveIndexDeps } from '../../activities/ingest/live-index';
import type { MemflowConfig } from '../../config/config';
import type { ChatHarness } from '../support/chat-harness';
import { CORPUS, ingestFor, newTenant, startChatHarness } from '../support/chat-harness';
import type { StackClients } from '../support/stack-clients';
import { openStackClients, storedChunkIds } from '../support/stack-clients';
import { createOwnStack } from '../support/own-database';
import { liveRegistryChunkIds } from '../support/registry-chunks';
import { uniqueName } from '../support/test-env';

/**
 * A document revised while the backfill embeds its old version: the revision's activation deletes
 * the old chunks from every write target before the backfill's upsert writes them back. The
 * backfill must not leave them there (the validation gate would then count more chunks in the new
 * collection than the registry holds, and refuse the re-embed for nothing).
 */
describe('a backfill racing a document revision', () => {
  const tenant = newTenant();
  let config: MemflowConfig;
  let database: Awaited<ReturnType<typeof createOwnStack>>['database'];
  let harness: ChatHarness;
  let stores: StackClients;
  const target = `${uniqueName('race')}_target`;

  before(async () => {
    ({ database, config } = await createOwnStack('race'));
    harness = await startChatHarness(config);
    stores = await openStackClients(config);
    await ingestFor(harness, tenant, [
      path.join(CORPUS, 'aurora-kettle-warranty.md'),
      path.join(CORPUS, 'orchard-beekeeping-notes.txt'),
    ]);
  });
  after(async () => {
    await harness.close();
    for (const c of await stores.vectors.listCollections(config.milvus.collectionPrefix).catch(() => [])) {
      await stores.vectors.dropCollection(c).catch(() => undefined);
    }
    await stores.vectors.dropCollection(target).catch(() => undefined);
    await stores.close();
    await database.drop();
  });

  test('the superseded version it embedded is not left in the new collection', async () => {
    const registry = createEmbedderRegistry(config);
    const model = 'paraphrase-minilm-l3-v2';
    const real = await registry.get(model);
    await stores.vectors.createCollection(target, real.identity);
    const { rows: docs } = await stores.db.query<{ doc_id: string; live_version: number }>(
      'SELECT doc_id, live_version FROM documents WHERE tenant = $1 ORDER BY doc_id',
      [tenant],
    );
    const revised = docs[0]!;
    // While the first batch is being embedded, the document gets a new live version and the old
    // one's chunks are deleted from every target — what activateDocuments does, in its order.
    let raced = false;
    const racing: Embedder = {
      identity: real.identity,
      countTokens: (text) => real.countTokens(text),
      embed: async (texts) => {
        if (!raced) {
          raced = true;
          await stores.db.query(
            'UPDATE documents SET live_version = live_version + 1000 WHERE tenant = $1 AND doc_id = $2',
            [tenant, revised.doc_id],
          );
          await stores.vectors.deleteWhere(target, tenant, {
            docIds: [revised.doc_id],
            docVersions: [revised.live_version],
          });
        }
        return real.embed(texts);
      },
    };
    const deps: LiveIndexDeps = {
      db: stores.db,
      vectors: stores.vectors,
      embedders: { defaultModel: registry.defaultModel, get: async () => racing, close: () => registry.close() },
      collectionPrefix: config.milvus.collectionPrefix,
    };
    try {
      const page = (await new MockActivityEnvironment().run(backfillPage, deps, {
        collection: target,
        model,
        afterChunkId: '',
        pageSize: 1000,
        batchSize: 1000,
        throttleMs: 0,
      })) as BackfillPageResult;
      assert.ok(raced, 'the revision landed while the batch was embedded');
      assert.ok(page.processed > 0);
      const stored = await storedChunkIds(stores.vectors, target, tenant);
      assert.deepEqual(
        stored,
        await liveRegistryChunkIds(stores.db, tenant),
        'only chunks of live versions: none of the superseded version',
      );
    } finally {
      await registry.close();
      await stores.db.query('UPDATE documents SET live_version = $3 WHERE tenant = $1 AND doc_id = $2', [
        tenant,
        revised.doc_id,
        revised.live_version,
      ]);
    }
  });
});
