/**
 * The two timed ways bench/ingest.ts ingests the same files into a fresh tenant: through the
 * `ingestDocuments` workflow (worker already running), and through the direct script. Each
 * result carries an untimed breakdown of where its time went.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Embedder } from '../../adapters/embed/embedder';
import { liveAlias } from '../../adapters/milvus/collection-names';
import type { VectorStore } from '../../adapters/milvus/vector-store';
import { countLiveChunks } from '../../adapters/postgres/document-registry';
import { startIngest } from '../../client/ingest';
import type { MemflowConfig } from '../../config/config';
import type { CpuUse } from './cpu-meter';
import { startCpuMeter } from './cpu-meter';
import type { DirectIngestResult } from './direct-ingest';
import { directIngest } from './direct-ingest';
import type { WorkflowTimings } from './workflow-timings';
import { ingestTimings } from './workflow-timings';

export type IngestPath = 'workflow' | 'direct';

export interface IngestRun {
  path: IngestPath;
  tenant: string;
  seconds: number;
  docs: number;
  /** Documents rejected (empty, binary, …): recorded as failures by both paths. */
  failed: number;
  chunks: number;
  /** CPU used meanwhile by the benchmark's processes and by everything else (noise). */
  cpu?: CpuUse;
  /** The workflow's activity times from its histories, or the direct script's phases. */
  breakdown: WorkflowTimings | DirectIngestResult['phases'];
}

export interface IngestTarget {
  client: Client;
  config: MemflowConfig;
  db: Pool;
  vectors: VectorStore;
  /** The direct script's embedder: same factory and model as the worker's. */
  embedder: Embedder;
  /** Source URIs are relative to this folder on both paths. */
  baseDir: string;
  /** The processes doing the work: this one (worker, embedders), the private Temporal and Milvus. */
  pids: number[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Timed from the start request to the result; reading the histories afterwards is not. */
export async function ingestThroughWorkflow(t: IngestTarget, files: string[], tenant: string): Promise<IngestRun> {
  const cpu = startCpuMeter(t.pids);
  const started = performance.now();
  const { handle } = await startIngest(t.client, t.config, t.db, {
    tenant,
    paths: files,
    cwd: t.baseDir,
    workflowId: `bench/${tenant}`,
  });
  const result = await handle.result();
  const seconds = (performance.now() - started) / 1000;
  const cpuUse = cpu.stop();
  const breakdown = await ingestTimings(t.client, handle.workflowId);
  return {
    path: 'workflow',
    tenant,
    seconds,
    docs: files.length,
    failed: result.failed,
    chunks: result.chunksWritten,
    cpu: cpuUse,
    breakdown,
  };
}

export async function ingestDirectly(t: IngestTarget, files: string[], tenant: string): Promise<IngestRun> {
  const cpu = startCpuMeter(t.pids);
  const started = performance.now();
  const result = await directIngest(
    { db: t.db, vectors: t.vectors, embedder: t.embedder },
    { tenant, baseDir: t.baseDir, files },
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUse = cpu.stop();
  const p = result.phases;
  const breakdown = {
    prepare: round2(p.prepare),
    register: round2(p.register),
    embed: round2(p.embed),
    upsert: round2(p.upsert),
    activate: round2(p.activate),
  };
  return {
    path: 'direct',
    tenant,
    seconds,
    docs: files.length,
    failed: result.failed,
    chunks: result.chunksWritten,
    cpu: cpuUse,
    breakdown,
  };
}

/** Checks, untimed, that a run's chunks are all live in Postgres and stored in Milvus. */
export async function assertStored(t: IngestTarget, run: IngestRun): Promise<void> {
  const collection = await t.vectors.resolveAlias(liveAlias(t.config.milvus.collectionPrefix));
  if (!collection) throw new Error('The live alias points nowhere after an ingest.');
  const registry = await countLiveChunks(t.db, run.tenant);
  const milvus = await t.vectors.count(collection, { tenant: run.tenant });
  if (registry !== run.chunks || milvus !== run.chunks) {
    throw new Error(
      `The ${run.path} run reported ${run.chunks} chunks; Postgres holds ${registry} live, Milvus ${milvus}.`,
    );
  }
}

/** One line: where a run's time went. */
export function describeBreakdown(run: IngestRun): string {
  const b = run.breakdown;
  if ('activities' in b) {
    const acts = Object.entries(b.activities).map(([name, a]) => `${name} ${a.runSeconds}s`);
    const queued = round2(Object.values(b.activities).reduce((s, a) => s + a.queuedSeconds, 0));
    return `activities (summed over batches) ${acts.join(', ')}; queued ${queued}s; batch workflows outside activities ${b.batchOverheadSeconds}s`;
  }
  return Object.entries(b)
    .map(([phase, s]) => `${phase} ${s}s`)
    .join(', ');
}
