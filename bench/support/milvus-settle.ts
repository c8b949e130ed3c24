/**
 * Bringing a freshly written collection to the state a long-lived one is searched in, per Milvus
 * flavor, and describing that state (segments, index, process memory and disk) for bench/search.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { SEARCH_EF } from '../../adapters/milvus/milvus-store';
import { startCpuMeter } from './cpu-meter';
import { rssMiB } from './worker-child';

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Segments of the collection and how many carry a vector index (else searched by brute force). */
export interface SegmentState {
  segments: number;
  indexed: number;
  rows?: number[];
}

/**
 * Waits until the Milvus process has finished its background compaction and index builds (its CPU
 * goes quiet); `settled` false: it was still busy after `maxMs`.
 */
export async function waitForIdle(
  pid: number | undefined,
  signal: AbortSignal,
  maxMs = 300_000,
): Promise<{ settleSeconds: number; settled: boolean }> {
  const started = performance.now();
  let settled = pid === undefined;
  while (!settled && performance.now() - started < maxMs) {
    const meter = startCpuMeter([pid!]);
    await sleep(3000, undefined, { signal });
    settled = (meter.stop()?.ownSeconds ?? 0) < 0.1;
  }
  return { settleSeconds: round2((performance.now() - started) / 1000), settled };
}

/** milvus-lite builds AUTOINDEX as FAISS HNSW when faiss imports in its venv, else brute force. */
export function liteIndexBackend(venv: string): string {
  try {
    const version = execFileSync(path.join(venv, 'bin', 'python'), ['-c', 'import faiss; print(faiss.__version__)'], {
      encoding: 'utf8',
    }).trim();
    return `HNSW (faiss ${version}; M 16, efConstruction 200, ef 64)`;
  } catch {
    return 'brute force (no faiss)';
  }
}

/** milvus-lite's on-disk segments of the collection (best effort: its internal layout). */
export function liteSegments(home: string, collection: string): SegmentState | undefined {
  const partitions = path.join(home, 'data', 'milvus', 'collections', collection, 'partitions');
  try {
    const files = fs.readdirSync(partitions).flatMap((p) => {
      const list = (sub: string) => fs.readdirSync(path.join(partitions, p, sub)).map((f) => `${sub}/${f}`);
      return [...list('data'), ...(fs.existsSync(path.join(partitions, p, 'indexes')) ? list('indexes') : [])];
    });
    return {
      segments: files.filter((f) => f.startsWith('data/') && f.endsWith('.parquet')).length,
      indexed: files.filter((f) => f.startsWith('indexes/') && f.endsWith('.vector.autoindex.idx')).length,
    };
  } catch {
    return undefined;
  }
}

/**
 * Milvus standalone keeps fresh rows in growing segments (searched through a small interim IVF
 * index) until a segment is full or idle for 10 minutes; then it seals it and builds HNSW. This
 * seals now (flush) and waits until the index covers every row and the query node serves only
 * sealed, indexed segments: the state a long-lived collection is searched in.
 */
export async function sealAndIndexStandalone(
  address: string,
  collection: string,
  rows: number,
  signal: AbortSignal,
  maxMs = 600_000,
): Promise<{ sealSeconds: number; settled: boolean }> {
  const client = new MilvusClient({ address, timeout: 120_000 });
  const started = performance.now();
  const deadline = Date.now() + maxMs;
  try {
    await client.flushSync({ collection_names: [collection] });
    while (Date.now() < deadline) {
      const index = (await client.describeIndex({ collection_name: collection })).index_descriptions[0];
      const served = (await client.getQuerySegmentInfo({ collectionName: collection })).infos;
      const indexDone = Number(index?.indexed_rows) >= rows && Number(index?.pending_index_rows) === 0;
      const sealed = served.length > 0 && served.every((s) => String(s.state) === 'Sealed' && s.index_name);
      if (indexDone && sealed) return { sealSeconds: round2((performance.now() - started) / 1000), settled: true };
      await sleep(2000, undefined, { signal });
    }
    return { sealSeconds: round2((performance.now() - started) / 1000), settled: false };
  } finally {
    await client.closeConnection();
  }
}

/** The standalone server's version and AUTOINDEX build parameters (from the config it was started with). */
export async function standaloneIndexBackend(address: string, home: string): Promise<string> {
  const client = new MilvusClient({ address, timeout: 10_000 });
  try {
    const { version } = await client.getVersion();
    const yaml = fs.readFileSync(path.join(home, 'data', 'milvus-standalone', 'configs', 'milvus.yaml'), 'utf8');
    const build = /^\s+build: '(\{.*\})'/m.exec(yaml)?.[1];
    const params = build ? (JSON.parse(build) as Record<string, unknown>) : {};
    return `${String(params.index_type ?? '?')} (Milvus ${version}; M ${String(params.M)}, efConstruction ${String(params.efConstruction)}, ef ${SEARCH_EF} from the adapter)`;
  } catch {
    return 'unknown';
  } finally {
    await client.closeConnection();
  }
}

/** The segments the query node serves for the collection (standalone). */
export async function standaloneSegments(address: string, collection: string): Promise<SegmentState> {
  const client = new MilvusClient({ address, timeout: 30_000 });
  try {
    const served = (await client.getQuerySegmentInfo({ collectionName: collection })).infos;
    return {
      segments: served.length,
      indexed: served.filter((s) => s.index_name).length,
      rows: served.map((s) => Number(s.num_rows)).sort((a, b) => b - a),
    };
  } finally {
    await client.closeConnection();
  }
}

/** RSS of a process and its descendants, and the peak RSS of the process itself, in MiB. */
export function processTreeMiB(pid: number | undefined): { rss: number; peak: number } | undefined {
  if (pid === undefined) return undefined;
  const own = rssMiB(pid);
  if (!own) return undefined;
  const children = (p: number): number[] => {
    try {
      return fs
        .readFileSync(`/proc/${p}/task/${p}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number)
        .flatMap((c) => [c, ...children(c)]);
    } catch {
      return [];
    }
  };
  const rss = children(pid).reduce((sum, c) => sum + (rssMiB(c)?.rss ?? 0), own.rss);
  return { rss: round2(rss), peak: own.peak };
}

/** Bytes under a folder, in MiB (what the collection costs on disk, with the server's own files). */
export function folderMiB(dir: string): number {
  let bytes = 0;
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) bytes += fs.statSync(p).size;
    }
  };
  try {
    walk(dir);
  } catch {
    return Number.NaN;
  }
  return Math.round(bytes / 1024 ** 2);
}
