/**
 * What the turn-latency benchmarks (turn-overhead, latency-budget) share: on a private stack, the scripted fake LLM of the tests
 * (test/support/chat-harness.ts) with an adjustable fixed latency, the product worker
 * (`createWorker`) in this process pointed at it, a `MemflowClient`, one tenant holding the test
 * fixtures corpus (or what the caller's `ingest` puts there: latency-budget's `--corpus`), and the same activity functions bound to dependencies of their own for the
 * in-process path (no Temporal), called in the order the session workflow's `runTurn` calls them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { Activities } from '../../activities';
import type { ChatDeps } from '../../activities/chat/chat-deps';
import { createEmbedderRegistry } from '../../adapters/embed/embedder-registry';
import { QueryEmbeddingCache } from '../../adapters/embed/query-embedding-cache';
import { chatModelFromConfig } from '../../adapters/llm/openai-chat-model';
import { MilvusVectorStore } from '../../adapters/milvus/milvus-store';
import { MemflowClient } from '../../client/memflow-client';
import type { MemflowConfig } from '../../config/config';
import { createPool } from '../../adapters/postgres/pool';
import { CORPUS, startScriptedModel } from '../../test/support/chat-harness';
import type { ScriptedModel } from '../../test/support/chat-harness';
import { createWorker } from '../../workers/worker';
import type { PrivateStack } from './private-stack';
import { nowMs } from './search-load';

/** One activity execution on the bench's worker, on the `nowMs()` clock. */
export interface StepSpan {
  workflowId: string;
  type: string;
  isLocal: boolean;
  startedAt: number;
  completedAt: number;
}

export interface ChatBench {
  config: MemflowConfig;
  model: ScriptedModel;
  client: MemflowClient;
  tenant: string;
  chunks: number;
  /** In-process dependencies, separate from the worker's (own pool, Milvus client, embedder, cache). */
  deps: ChatDeps;
  activities: Activities;
  /** Every activity the worker ran (local or not), recorded by an inbound interceptor. */
  steps: StepSpan[];
  /** Every chat completion of the fake waits this long before answering. */
  setLlmLatency(ms: number): void;
  close(): Promise<void>;
}

/** Fills the bench's tenant (untimed) and returns how many chunks it holds. */
export type IngestTenant = (client: MemflowClient, tenant: string) => Promise<number>;

/** Ingests test/fixtures/corpus into the tenant (19 chunks): the default. */
function ingestFixtureCorpus(log: (line: string) => void): IngestTenant {
  return async (client, tenant) => {
    const started = performance.now();
    const { handle } = await client.ingest({ tenant, paths: [CORPUS], baseDir: CORPUS });
    const ingested = await handle.result();
    log(
      `ingested ${ingested.chunksWritten} chunks for ${tenant} in ${((performance.now() - started) / 1000).toFixed(1)}s`,
    );
    return ingested.chunksWritten;
  };
}

export async function startChatBench(
  stack: PrivateStack,
  log: (line: string) => void,
  ingest: IngestTenant = ingestFixtureCorpus(log),
): Promise<ChatBench> {
  const model = await startScriptedModel();
  let latencyMs = 0;
  const scripted = model.server.respond;
  model.server.respond = async (request) => {
    if (latencyMs > 0) await sleep(latencyMs);
    return scripted(request);
  };
  const config: MemflowConfig = {
    ...stack.config,
    llm: { ...stack.config.llm, baseUrl: model.server.url, apiKey: 'bench-key', model: 'fake-model' },
  };
  const steps: StepSpan[] = [];
  const worker = await createWorker(config, {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: {
            async execute(input, next) {
              const startedAt = nowMs();
              try {
                return await next(input);
              } finally {
                const { workflowExecution, activityType, isLocal } = ctx.info;
                steps.push({
                  workflowId: workflowExecution?.workflowId ?? '',
                  type: activityType,
                  isLocal,
                  startedAt,
                  completedAt: nowMs(),
                });
              }
            },
          },
        }),
      ],
    },
  });
  const running = worker.run();
  const client = await MemflowClient.connect(config);
  const db = createPool(config.postgres.url, 4);
  const vectors = new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor });
  const embedders = createEmbedderRegistry(config);
  const llm = chatModelFromConfig(config.llm);
  // The worker's cache settings (workers/worker.ts), so both paths embed and hit alike.
  const queryCache = new QueryEmbeddingCache({ maxEntries: 5000, ttlMs: 30 * 60_000 });
  const deps: ChatDeps = {
    db,
    vectors,
    embedders,
    queryCache,
    llm,
    collectionPrefix: config.milvus.collectionPrefix,
    ...config.chat,
  };
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await client.close().catch(() => undefined);
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await running.catch((err: unknown) => log(`worker stopped with ${String(err)}`));
      await Promise.allSettled([db.end(), vectors.close(), embedders.close(), llm?.close?.(), model.server.close()]);
    })());
  stack.onTeardown(close);

  const tenant = `bench-${stack.runId}`;
  const chunks = await ingest(client, tenant);
  return {
    config,
    model,
    client,
    tenant,
    chunks,
    deps,
    activities: createActivities({ ...deps, corpusRoots: config.corpusRoots }),
    steps,
    setLlmLatency: (ms) => void (latencyMs = ms),
    close,
  };
}

/** Recent turns, as the session workflow keeps them for the prompts. */
export type RecentTurns = { user: string; assistant: string }[];

/**
 * One turn without Temporal: the activities of `runTurn` (workflows/chat/chat-session.ts) in its
 * order — planTurn, then retrieveChunks (which pins the live collection), writeAnswer — each in an
 * activity context of its own (`MockActivityEnvironment`, for the LLM calls' heartbeats), with the
 * same inputs.
 */
export async function inProcessTurn(
  acts: Activities,
  tenant: string,
  text: string,
  recent: RecentTurns,
): Promise<string> {
  const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P) =>
    new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
  const context = recent.slice(-6);
  const { plan } = await run(acts.planTurn, { text, summary: '', recent: context });
  const retrieved =
    plan.queries.length > 0
      ? await run(acts.retrieveChunks, { tenant, queries: plan.queries, planSources: plan.filters.sources })
      : { passages: [], memories: [] };
  const written = await run(acts.writeAnswer, {
    tenant,
    question: text,
    passages: retrieved.passages,
    memories: retrieved.memories,
    summary: '',
    recent: context,
  });
  recent.push({ user: text, assistant: written.answer });
  return written.answer;
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles, rounded to `digits` decimals. */
export function percentiles(values: readonly number[], digits = 1): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length === 0
      ? Number.NaN
      : sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
  const round = (n: number) => Math.round(n * 10 ** digits) / 10 ** digits;
  const mean = sorted.length === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    n: sorted.length,
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(at(100)),
    mean: round(mean),
  };
}
