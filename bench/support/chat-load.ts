/**
 * What the chat load benchmarks (turn-throughput, memory) share: the instant scripted LLM with a
 * bounded request log, an ingested tenant, latency percentiles and bounded-concurrency loops.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemflowClient } from '../../client/memflow-client';
import type { MemflowConfig } from '../../config/config';
import type { ScriptedModel } from '../../test/support/chat-harness';
import { CORPUS, startScriptedModel } from '../../test/support/chat-harness';
import type { PrivateStack } from './private-stack';

export { FIXTURE_QUESTIONS } from './search-load';

/**
 * The instant fake LLM (planner searches for the message, executor cites every passage). Its
 * request log is cleared every few seconds: it keeps every body, which would grow by megabytes a
 * minute in the process being measured. Closed by the stack's teardown.
 */
export async function startInstantModel(stack: PrivateStack): Promise<ScriptedModel> {
  const model = await startScriptedModel();
  const trim = setInterval(() => model.server.requests.splice(0), 5_000);
  trim.unref();
  stack.onTeardown(async () => {
    clearInterval(trim);
    await model.server.close();
  });
  return model;
}

/** The private stack's configuration with the LLM pointed at the fake. */
export function withFakeLlm(config: MemflowConfig, model: ScriptedModel): MemflowConfig {
  return { ...config, llm: { ...config.llm, baseUrl: model.server.url, apiKey: 'bench-key', model: 'fake-model' } };
}

/** Ingests test/fixtures/corpus into `tenant`; returns its chunk count. */
export async function ingestFixtures(client: MemflowClient, config: MemflowConfig, tenant: string): Promise<number> {
  const { handle } = await client.ingest({ tenant, paths: [CORPUS], baseDir: CORPUS });
  const result = await handle.result();
  if (result.chunksWritten === 0) throw new Error('Ingesting test/fixtures/corpus wrote no chunks.');
  return result.chunksWritten;
}

/** The q-th percentile (nearest rank) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))]!;
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time; returns the error messages. */
export async function forEachBounded(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
  signal?: AbortSignal,
): Promise<string[]> {
  const errors: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      signal?.throwIfAborted();
      const i = next++;
      await task(i).catch((err: unknown) => errors.push(err instanceof Error ? err.message : String(err)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return errors;
}

/** Rejects after `ms` with a timeout error (the awaited work goes on in the background). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  const controller = new AbortController();
  try {
    return await Promise.race([
      work,
      sleep(ms, undefined, { signal: controller.signal }).then(() => {
        throw new Error(`${what} did not finish within ${ms / 1000}s`);
      }),
    ]);
  } finally {
    controller.abort();
  }
}
