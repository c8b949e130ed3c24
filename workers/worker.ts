import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createEmbedderRegistry } from '../adapters/embed/embedder-registry';
import { QueryEmbeddingCache } from '../adapters/embed/query-embedding-cache';
import { chatModelFromConfig } from '../adapters/llm/openai-chat-model';
import { MilvusVectorStore } from '../adapters/milvus/milvus-store';
import type { MemflowConfig } from '../config/config';
import { configSecrets, loadConfig } from '../config/config';
import { createPool } from '../adapters/postgres/pool';
import { WORKER_READY_LINE } from '../contracts/worker-ready';
import { connectWorker } from '../adapters/temporal/connection';
import { dataConverter } from '../adapters/temporal/data-converter';
import { redactingLogFunction } from './redacting-log';
import { workflowBundle } from './workflow-bundle';

export interface WorkerHandle {
  worker: Worker;
  /** Resolves when the worker has stopped and every client is closed. */
  run(): Promise<void>;
}

let runtimeInstalled = false;

/** Builds a worker with its clients; used by the `memflow worker` process and by tests. */
export async function createWorker(
  config: MemflowConfig,
  options: { taskQueue?: string; interceptors?: WorkerOptions['interceptors'] } = {},
): Promise<WorkerHandle> {
  // First, so a worker without a codec key refuses before it connects to anything.
  const converter = dataConverter(config);
  if (!runtimeInstalled) {
    // The SDK's runtime is process-wide and can be installed once, before the first worker. Core's
    // own logs are forwarded to the same logger, so they are redacted too.
    Runtime.install({
      logger: new DefaultLogger(config.logLevel, redactingLogFunction(configSecrets(config))),
      telemetryOptions: { logging: { forward: {} } },
    });
    runtimeInstalled = true;
  }
  if (!config.codec.enabled) {
    Runtime.instance().logger.warn(
      'MEMFLOW_CODEC=off: workflow and activity payloads go to Temporal in plaintext (README.md, Payload encryption)',
    );
  }
  const db = createPool(config.postgres.url, 10, (err) =>
    // The pool replaces the client; activities that hit the outage fail and are retried by Temporal.
    Runtime.instance().logger.warn('PostgreSQL closed an idle connection; it will be replaced', {
      error: err.message,
    }),
  );
  const vectors = new MilvusVectorStore({
    address: config.milvus.address,
    token: config.milvus.token,
    ssl: config.milvus.ssl,
    flavor: config.milvus.flavor,
  });
  await vectors.loadAll(config.milvus.collectionPrefix);
  const embedders = createEmbedderRegistry(config);
  const queryCache = new QueryEmbeddingCache({ maxEntries: 5000, ttlMs: 30 * 60_000 });
  const llm = chatModelFromConfig(config.llm);
  const [connection, bundle] = await Promise.all([connectWorker(config), workflowBundle(config.paths.workflowBundles)]);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: options.taskQueue ?? config.temporal.taskQueue,
    workflowBundle: bundle,
    dataConverter: converter,
    activities: createActivities({
      db,
      vectors,
      embedders,
      queryCache,
      llm,
      collectionPrefix: config.milvus.collectionPrefix,
      ...config.chat,
      corpusRoots: config.corpusRoots,
    }),
    shutdownGraceTime: '20s',
    // The SDK's default grows with the heap limit (2,310 on a 4 GiB heap); sessions beyond the
    // cache are replayed from history on their next message, so a bound trades CPU for memory.
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
  });
  return {
    worker,
    async run() {
      try {
        await worker.run();
      } finally {
        await Promise.allSettled([vectors.close(), db.end(), connection.close(), embedders.close(), llm?.close?.()]);
      }
    },
  };
}

/** `memflow worker`: runs until SIGINT/SIGTERM (the SDK drains in-flight tasks first). */
export async function run(): Promise<void> {
  const config = loadConfig();
  const handle = await createWorker(config);
  const running = handle.run();
  console.log(`${WORKER_READY_LINE} ${config.temporal.address} task queue ${config.temporal.taskQueue}`);
  await running;
}

if (require.main === module) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
