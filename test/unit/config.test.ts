import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../config/config';
import { MemflowError } from '../../contracts/errors';
import { workerProcessEnv } from '../../devstack/worker-process';

test('defaults point at the local stack', () => {
  const config = loadConfig({});
  assert.equal(config.temporal.address, '127.0.0.1:7233');
  assert.equal(config.temporal.uiUrl, 'http://127.0.0.1:8233');
  assert.equal(config.milvus.address, '127.0.0.1:19530');
  assert.equal(config.postgres.url, 'postgres://127.0.0.1:5432/memflow');
  assert.equal(config.embedding.model, 'all-minilm-l6-v2');
});

test('production settings come from the environment, with TLS implied by an API key', () => {
  const config = loadConfig({
    MEMFLOW_STACK_MODE: 'external',
    TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'acme.a1b2c',
    TEMPORAL_API_KEY: 'secret',
    TEMPORAL_UI_URL: 'https://cloud.temporal.io',
    MILVUS_ADDRESS: 'in01-abc.zillizcloud.com:19530',
    MILVUS_TOKEN: 'tok',
    MILVUS_FLAVOR: 'standalone',
    DATABASE_URL: 'postgres://app@db.internal:5432/memflow',
  });
  assert.equal(config.stackMode, 'external');
  assert.equal(config.temporal.tls, true);
  assert.equal(config.temporal.uiUrl, 'https://cloud.temporal.io');
  assert.equal(config.milvus.flavor, 'standalone');
});

test('bad values fail with one typed error naming each variable', () => {
  assert.throws(
    () =>
      loadConfig({
        TEMPORAL_ADDRESS: 'localhost',
        MILVUS_ADDRESS: 'x:99999',
        MEMFLOW_COLLECTION_PREFIX: 'bad-prefix!',
      }),
    (err: unknown) =>
      err instanceof MemflowError &&
      err.code === 'CONFIG_INVALID' &&
      /TEMPORAL_ADDRESS/.test(err.message) &&
      /MILVUS_ADDRESS/.test(err.message) &&
      /MEMFLOW_COLLECTION_PREFIX/.test(err.message),
  );
});

test('empty variables mean unset', () => {
  assert.equal(loadConfig({ TEMPORAL_ADDRESS: '' }).temporal.address, '127.0.0.1:7233');
});

test("EMBEDDING_MEMORY_ARENA: ONNX Runtime's memory arena is off unless turned on", () => {
  assert.equal(loadConfig({}).embedding.memoryArena, false);
  assert.equal(loadConfig({ EMBEDDING_MEMORY_ARENA: 'true' }).embedding.memoryArena, true);
  assert.equal(loadConfig({ EMBEDDING_MEMORY_ARENA: '1' }).embedding.memoryArena, true);
  assert.equal(loadConfig({ EMBEDDING_MEMORY_ARENA: '0' }).embedding.memoryArena, false);
  assert.throws(
    () => loadConfig({ EMBEDDING_MEMORY_ARENA: 'on' }),
    (err: unknown) => err instanceof MemflowError && /EMBEDDING_MEMORY_ARENA/.test(err.message),
  );
});

test('the worker is started with a bounded V8 heap and glibc trimming unless its environment says otherwise', () => {
  assert.equal(loadConfig({}).worker.heapMiB, 384);
  assert.equal(loadConfig({ WORKER_HEAP_MIB: '0' }).worker.heapMiB, 0);
  assert.throws(
    () => loadConfig({ WORKER_HEAP_MIB: '-1' }),
    (err: unknown) => err instanceof MemflowError,
  );

  assert.deepEqual(workerProcessEnv({ PATH: '/bin' }, 384), {
    PATH: '/bin',
    MALLOC_TRIM_THRESHOLD_: '1048576',
    NODE_OPTIONS: '--max-old-space-size=384',
  });
  assert.equal(
    workerProcessEnv({ NODE_OPTIONS: '--enable-source-maps' }, 512).NODE_OPTIONS,
    '--enable-source-maps --max-old-space-size=512',
  );
  // An explicit heap limit or trim threshold in the environment wins; 0 keeps Node's own limit.
  assert.equal(
    workerProcessEnv({ NODE_OPTIONS: '--max-old-space-size=2048' }, 384).NODE_OPTIONS,
    '--max-old-space-size=2048',
  );
  assert.equal(workerProcessEnv({}, 0).NODE_OPTIONS, undefined);
  assert.equal(workerProcessEnv({ MALLOC_TRIM_THRESHOLD_: '0' }, 0).MALLOC_TRIM_THRESHOLD_, '0');
});

test('MEMFLOW_CORPUS_ROOTS: named absolute roots, none by default; bad entries name the variable', () => {
  assert.deepEqual(loadConfig({}).corpusRoots, {});
  assert.deepEqual(loadConfig({ MEMFLOW_CORPUS_ROOTS: 'pg-docs=/srv/pg/html/, notes=/data/notes' }).corpusRoots, {
    'pg-docs': '/srv/pg/html',
    notes: '/data/notes',
  });
  for (const bad of ['docs=relative/path', '=/x', 'docs', '.hidden=/x', 'a=/x,a=/y', 'a b=/x']) {
    assert.throws(
      () => loadConfig({ MEMFLOW_CORPUS_ROOTS: bad }),
      (err: unknown) =>
        err instanceof MemflowError && err.code === 'CONFIG_INVALID' && /MEMFLOW_CORPUS_ROOTS/.test(err.message),
      bad,
    );
  }
});
