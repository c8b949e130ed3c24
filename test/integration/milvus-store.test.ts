import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MilvusVectorStore } from '../../adapters/milvus/milvus-store';
import type { ChunkRow } from '../../adapters/milvus/vector-store';
import type { EmbeddingIdentity } from '../../contracts/embedding';
import { loadConfig } from '../../config/config';
import { MemflowError } from '../../contracts/errors';
import { LEXICAL_WEIGHT, DENSE_WEIGHT, RRF_K } from '../../contracts/search';
import { ensureStackInstalled } from '../../devstack/install';
import { startMilvus, stopMilvus } from '../../devstack/milvus-server';
import { freePort } from '../../devstack/net';
import { testConfig, uniqueName } from '../support/test-env';

const MINI: EmbeddingIdentity = { model: 'test-model-a', dim: 8, metric: 'COSINE' };

function unit(seed: number, dim = 8): number[] {
  const v = Array.from({ length: dim }, (_, i) => Math.sin(seed * 7.13 + i * 1.7) + (i === seed % dim ? 2 : 0));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function row(i: number, overrides: Partial<ChunkRow> = {}): ChunkRow {
  return {
    id: `doc${i % 7}:1:${i}:abcd`,
    tenant: i % 2 === 0 ? 'acme' : 'globex',
    docId: `doc${i % 7}`,
    docVersion: 1,
    ordinal: i,
    text: `chunk number ${i} about ${i % 2 === 0 ? 'postgres vacuum' : 'kettle warranty'}`,
    title: `Doc ${i % 7}`,
    source: `fixtures/doc${i % 7}.md`,
    headingPath: 'Intro',
    embeddingModel: MINI.model,
    vector: unit(i),
    ...overrides,
  };
}

const config = testConfig();
const store = new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor });

describe('MilvusVectorStore against the real server', () => {
  after(() => store.close());

  test('records the embedding identity with the collection and refuses mismatched writes, writing nothing', async () => {
    const name = uniqueName('identity');
    const info = await store.createCollection(name, MINI);
    assert.deepEqual(info.identity, MINI);
    // A second store instance (fresh cache) reads the identity back from the server.
    const other = new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor });
    assert.deepEqual((await other.describeCollection(name))?.identity, MINI);
    await other.close();

    await assert.rejects(
      store.upsert(name, [row(0), row(1, { vector: unit(1, 7) })]),
      (err: unknown) => err instanceof MemflowError && err.code === 'EMBEDDING_MISMATCH' && /7-d/.test(err.message),
    );
    await assert.rejects(
      store.upsert(name, [row(2, { embeddingModel: 'some-other-model' })]),
      (err: unknown) => err instanceof MemflowError && err.code === 'EMBEDDING_MISMATCH',
    );
    assert.equal(
      await store.count(name, { allTenants: true }),
      0,
      'a refused batch writes nothing, not even its valid rows',
    );

    await assert.rejects(
      store.search({ collection: name, tenant: 'acme', vector: unit(0, 16), identity: { ...MINI, dim: 16 }, limit: 3 }),
      (err: unknown) => err instanceof MemflowError && err.code === 'EMBEDDING_MISMATCH',
    );
    await assert.rejects(
      store.search({
        collection: name,
        tenant: 'acme',
        vector: unit(0),
        identity: { ...MINI, model: 'other' },
        limit: 3,
      }),
      (err: unknown) => err instanceof MemflowError && err.code === 'EMBEDDING_MISMATCH',
    );
    await assert.rejects(
      store.createCollection(name, { ...MINI, dim: 16 }),
      (err: unknown) => err instanceof MemflowError && err.code === 'EMBEDDING_MISMATCH',
    );
    assert.equal(await store.dropCollection(name), true);
    assert.equal(await store.dropCollection(name), false, 'dropping twice is harmless');
  });

  test('searches only the requested tenant, with typed filters and hybrid BM25', async () => {
    const name = uniqueName('search');
    await store.createCollection(name, MINI);
    const rows = Array.from({ length: 20 }, (_, i) => row(i));
    assert.equal(await store.upsert(name, rows), 20);
    for (const tenant of ['acme', 'globex']) {
      const hits = await store.search({ collection: name, tenant, vector: unit(4), identity: MINI, limit: 20 });
      assert.equal(hits.length, 10);
      assert.ok(hits.every((h) => h.tenant === tenant));
    }
    const top = await store.search({
      collection: name,
      tenant: 'acme',
      vector: unit(4),
      identity: MINI,
      limit: 1,
      includeText: true,
    });
    assert.equal(top[0]?.id, row(4).id, 'the nearest vector comes first');
    assert.equal(top[0]?.text, row(4).text);
    const filtered = await store.search({
      collection: name,
      tenant: 'acme',
      vector: unit(4),
      identity: MINI,
      limit: 20,
      filter: { docIds: ['doc0'] },
    });
    assert.deepEqual([...new Set(filtered.map((h) => h.docId))], ['doc0']);
    const hybrid = await store.search({
      collection: name,
      tenant: 'globex',
      vector: unit(3),
      identity: MINI,
      limit: 5,
      hybridText: 'kettle warranty',
    });
    assert.ok(hybrid.length > 0 && hybrid.every((h) => h.tenant === 'globex'));
    await assert.rejects(
      store.search({ collection: name, tenant: 'acme" or tenant != "', vector: unit(1), identity: MINI, limit: 3 }),
      (err: unknown) => err instanceof MemflowError && err.code === 'INVALID_INPUT',
    );
    assert.equal(await store.count(name, { tenant: 'acme' }), 10);
    assert.ok(
      (await store.count(name, { tenant: 'acme', filter: { docIds: ['doc0'] } })) > 0,
      'doc0 is there to delete',
    );
    await store.deleteWhere(name, 'acme', { docIds: ['doc0'] });
    assert.equal(await store.count(name, { tenant: 'acme', filter: { docIds: ['doc0'] } }), 0);
    assert.equal(await store.count(name, { tenant: 'globex' }), 10, 'deleting in one tenant leaves the other alone');
    await store.dropCollection(name);
  });

  test('a hybrid search fuses its two legs by weighted RRF; every hit says where it stood in each', async () => {
    const name = uniqueName('legs');
    await store.createCollection(name, MINI);
    const words = ['vacuum', 'kettle', 'ferry', 'orchard', 'warranty', 'index', 'lock', 'hive'];
    const rows = Array.from({ length: 24 }, (_, i) =>
      row(i, {
        tenant: 'acme',
        text: `note ${i}: ${words[i % 8]} ${words[(i * 3) % 8]} ${i % 5 === 0 ? 'kettle warranty kettle' : ''}`,
      }),
    );
    await store.upsert(name, rows);
    const request = {
      collection: name,
      tenant: 'acme',
      vector: unit(5),
      identity: MINI,
      // Deep enough for both legs' every hit: nothing is cut off, so each leg can be checked whole.
      limit: 24,
      hybridText: 'kettle warranty',
    };
    const hybrid = await store.search(request);
    const denseOnly = await store.search({ ...request, hybridText: undefined });
    assert.deepEqual(
      denseOnly.map((h) => h.legs),
      denseOnly.map((_, i) => ({ dense: i + 1, lexical: null })),
      'a dense-only search is its own one leg',
    );
    if (hybrid.every((h) => h.legs!.lexical === null)) {
      // Milvus 2.3 (standalone) has no BM25: the search is the dense leg alone.
      assert.equal(testConfig().milvus.flavor, 'standalone', 'only the Milvus 2.3 standalone lacks BM25');
      // The dense leg alone, down to its relative floor (fuse-legs.ts).
      assert.ok(hybrid.length >= 1);
      assert.deepEqual(hybrid, denseOnly.slice(0, hybrid.length));
      return;
    }
    assert.ok(hybrid.length <= request.limit);
    for (const hit of hybrid) {
      const { dense, lexical } = hit.legs!;
      assert.ok(dense !== null || lexical !== null, `${hit.id} came from at least one leg`);
      const fused =
        (dense === null ? 0 : DENSE_WEIGHT / (RRF_K + dense)) +
        (lexical === null ? 0 : LEXICAL_WEIGHT / (RRF_K + lexical));
      assert.ok(
        Math.abs(hit.score - fused) < 1e-9,
        `${hit.id}: score ${hit.score}, weighted RRF of ${dense}/${lexical}`,
      );
    }
    assert.deepEqual(
      hybrid.map((h) => h.score),
      hybrid.map((h) => h.score).sort((a, b) => b - a),
      'best first',
    );
    // The dense leg is the dense-only search (down to its floor): the same chunks, ranked 1..n.
    const denseLeg = hybrid.filter((h) => h.legs!.dense !== null);
    assert.deepEqual(
      denseLeg.map((h) => h.legs!.dense).sort((a, b) => a! - b!),
      denseLeg.map((_, i) => i + 1),
    );
    assert.deepEqual(new Set(denseLeg.map((h) => h.id)), new Set(denseOnly.slice(0, denseLeg.length).map((h) => h.id)));
    assert.ok(hybrid.some((h) => h.legs!.lexical === 1) && hybrid.some((h) => h.legs!.dense === 1));
    assert.notDeepEqual(
      hybrid.map((h) => h.id),
      denseOnly.map((h) => h.id),
      'the BM25 leg moves hits',
    );
    await store.dropCollection(name);
  });

  test('aliases switch atomically between collections', async () => {
    const a = uniqueName('va');
    const b = uniqueName('vb');
    const alias = uniqueName('live');
    await store.createCollection(a, MINI);
    await store.createCollection(b, { ...MINI, model: 'test-model-b', dim: 4 });
    await store.setAlias(alias, a);
    assert.equal(await store.resolveAlias(alias), a);
    assert.equal((await store.describeCollection(alias))?.identity.model, MINI.model);
    await store.setAlias(alias, b);
    assert.equal(await store.resolveAlias(alias), b);
    assert.equal(
      (await store.describeCollection(alias))?.identity.dim,
      4,
      'an alias is never served from a stale cache',
    );
    assert.equal(await store.dropAlias(alias), true);
    assert.equal(await store.resolveAlias(alias), undefined);
    await store.dropCollection(a);
    await store.dropCollection(b);
  });
});

describe('concurrency and durability on a private milvus-lite server', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-milvus-'));
  let privateConfig = config;

  before(async () => {
    privateConfig = loadConfig({ ...process.env, MEMFLOW_HOME: home, MILVUS_ADDRESS: `127.0.0.1:${await freePort()}` });
    await startMilvus(privateConfig, ensureStackInstalled(privateConfig, () => undefined).milvusLite);
  });
  after(async () => {
    await stopMilvus(privateConfig);
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('many concurrent upserts leave the exact row count, readable after a restart', async () => {
    const name = uniqueName('concurrent');
    const open = () => new MilvusVectorStore({ address: privateConfig.milvus.address, flavor: 'lite' });
    let s = open();
    await s.createCollection(name, MINI);
    const batches = Array.from({ length: 40 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) => row(b * 25 + i, { id: `c${b}-${i}` })),
    );
    // Every batch twice, concurrently: upserts are idempotent, so the count is the distinct ids.
    const written = await Promise.all([...batches, ...batches].map((batch) => s.upsert(name, batch)));
    assert.equal(
      written.reduce((x, y) => x + y, 0),
      2000,
    );
    assert.equal(await s.count(name, { allTenants: true }), 1000);
    await s.close();

    await stopMilvus(privateConfig); // SIGINT: a clean shutdown
    await startMilvus(privateConfig, ensureStackInstalled(privateConfig, () => undefined).milvusLite);
    s = open();
    await s.loadAll(privateConfig.milvus.collectionPrefix);
    assert.equal(await s.count(name, { allTenants: true }), 1000);
    const hits = await s.search({ collection: name, tenant: 'acme', vector: unit(10), identity: MINI, limit: 5 });
    assert.equal(hits.length, 5);
    assert.deepEqual((await s.describeCollection(name))?.identity, MINI);
    await s.close();
  });
});

describe('concurrent creation', () => {
  test('several stores creating the same collection at once all succeed with one collection', async () => {
    const name = uniqueName('race');
    const stores = Array.from(
      { length: 3 },
      () => new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor }),
    );
    try {
      const infos = await Promise.all(stores.map((s) => s.createCollection(name, MINI)));
      assert.ok(infos.every((i) => i.name === name && i.identity.model === MINI.model));
      assert.deepEqual(await stores[0]!.listCollections(name), [name]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      const cleanup = new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor });
      await cleanup.dropCollection(name);
      await cleanup.close();
    }
  });
});
