/**
 * Turns the ingest benchmark's timed runs into per-path medians, the workflow/direct ratio, a
 * noise verdict and the table bench/ingest.ts prints (and bench/README.md quotes).
 */
import type { IngestPath, IngestRun } from './ingest-runs';
import { formatTable, median } from './results';

export type RoundRun = IngestRun & { round: number };

/** Above this share of the machine's CPU used by other processes, wall-clock numbers are suspect. */
export const NOISY_OTHER_SHARE = 0.15;

const round2 = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;
const cpuMsPerChunk = (r: IngestRun) => (r.cpu ? (r.cpu.ownSeconds * 1000) / r.chunks : Number.NaN);

function pathSummary(path: IngestPath, runs: RoundRun[]) {
  const mine = runs.filter((r) => r.path === path);
  return {
    medianChunksPerSecond: median(mine.map((r) => r.chunks / r.seconds)),
    medianDocsPerSecond: median(mine.map((r) => r.docs / r.seconds)),
    medianCpuMsPerChunk: median(mine.map(cpuMsPerChunk)),
    rounds: mine.map((r) => ({
      round: r.round,
      seconds: round2(r.seconds),
      chunksPerSecond: round2(r.chunks / r.seconds),
      docsPerSecond: round2(r.docs / r.seconds),
      cpu: r.cpu,
      breakdown: r.breakdown,
    })),
  };
}

export type PathSummary = ReturnType<typeof pathSummary>;

export interface IngestSummary {
  workflow: PathSummary;
  direct: PathSummary;
  /** Median workflow chunks/s ÷ median direct chunks/s: the number the goal is about. */
  ratio: number;
  /** The same ratio within each round (its two runs are adjacent in time). */
  roundRatios: number[];
  /** Direct ÷ workflow CPU per chunk of the benchmark's processes: ≥ 1 when the workflow costs no more. */
  cpuRatio: number;
  /** The largest share of the machine other processes used during a timed run. */
  maxOtherShare: number;
  noisy: boolean;
}

export function summarizeIngest(runs: RoundRun[]): IngestSummary {
  const workflow = pathSummary('workflow', runs);
  const direct = pathSummary('direct', runs);
  const rounds = [...new Set(runs.map((r) => r.round))];
  const rate = (path: IngestPath, round: number) => {
    const run = runs.find((r) => r.path === path && r.round === round)!;
    return run.chunks / run.seconds;
  };
  const maxOtherShare = Math.max(0, ...runs.map((r) => r.cpu?.otherShare ?? 0));
  return {
    workflow,
    direct,
    ratio: round3(workflow.medianChunksPerSecond / direct.medianChunksPerSecond),
    roundRatios: rounds.map((round) => round3(rate('workflow', round) / rate('direct', round))),
    cpuRatio: round3(direct.medianCpuMsPerChunk / workflow.medianCpuMsPerChunk),
    maxOtherShare,
    noisy: maxOtherShare > NOISY_OTHER_SHARE,
  };
}

/** Rounds the medians for the results file (the ratios are computed from the exact values). */
export function roundedSummary(s: PathSummary) {
  return {
    ...s,
    medianChunksPerSecond: round2(s.medianChunksPerSecond),
    medianDocsPerSecond: round2(s.medianDocsPerSecond),
    medianCpuMsPerChunk: round2(s.medianCpuMsPerChunk),
  };
}

const percent = (share: number | undefined) => (share === undefined ? '?' : `${Math.round(share * 100)}%`);

export function formatIngestTable(runs: RoundRun[], s: IngestSummary): string {
  const rows = runs.map((r) => [
    `${r.path} round ${r.round}`,
    r.seconds.toFixed(1),
    (r.chunks / r.seconds).toFixed(2),
    (r.docs / r.seconds).toFixed(2),
    cpuMsPerChunk(r).toFixed(0),
    percent(r.cpu?.otherShare),
  ]);
  for (const [name, p] of [
    ['workflow', s.workflow],
    ['direct', s.direct],
  ] as const) {
    rows.push([
      `${name} median`,
      '',
      p.medianChunksPerSecond.toFixed(2),
      p.medianDocsPerSecond.toFixed(2),
      p.medianCpuMsPerChunk.toFixed(0),
      '',
    ]);
  }
  return formatTable(['run', 'seconds', 'chunks/s', 'docs/s', 'CPU ms/chunk', 'others CPU'], rows);
}
