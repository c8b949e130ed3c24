/** bench/ingest.ts: the workflow's chunks/s against the direct script's, in the same run. */
import type { GoalRow } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { at, count, fixed, flags, markdownTable, numberAt, runCaption, times } from '../format';

const GOAL_RATIO = 0.85;
const REFERENCE_GOAL_RATIO = 0.9;
const MANUAL_GOAL_MINUTES = 5;

const latest = (index: ResultsIndex) => index.latest('ingest', (l) => numberAt(l.results, 'ratio') !== undefined);

export const ingestGoals: GoalRow[] = [
  {
    benchmark: 'ingest',
    subject: 'ingestion throughput',
    goal: `the workflow at ≥ ${GOAL_RATIO}× the chunks/s of a direct script (same run, same embedder)`,
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const ratio = numberAt(line.results, 'ratio');
      return {
        line,
        measured: `${times(ratio)} (${fixed(numberAt(line.results, 'chunks'), 0)} chunks per run)`,
        met: ratio === undefined ? undefined : ratio >= GOAL_RATIO,
      };
    },
  },
  {
    benchmark: 'ingest',
    subject: 'ingestion at the embedding floor',
    goal:
      `the workflow at ≥ ${REFERENCE_GOAL_RATIO}× the chunks/s of ONNX Runtime embedding the same chunks with the ` +
      'same model file from Python (same run)',
    evaluate(index) {
      const line = index.latest('ingest', (l) => numberAt(l.results, 'referenceRatio') !== undefined);
      if (!line) return undefined;
      const ratio = numberAt(line.results, 'referenceRatio');
      return {
        line,
        measured: `${times(ratio)} (${fixed(numberAt(line.results, 'reference.medianChunksPerSecond'), 2)} chunks/s reference)`,
        met: ratio === undefined ? undefined : ratio >= REFERENCE_GOAL_RATIO,
      };
    },
  },
  {
    benchmark: 'ingest',
    subject: 'the whole PostgreSQL manual',
    goal:
      `ingested in ≤ ${MANUAL_GOAL_MINUTES} min on the 2-core machine (fresh database, quiet machine), or the ` +
      "floor stated: the manual's chunks at the ONNX Runtime reference's chunks/s",
    evaluate(index) {
      // The whole manual is ingested, through the same workflow into a fresh database, as the
      // latency-budget benchmark's set-up; the reference's rate comes from the ingest benchmark.
      const manual = index.latest(
        'latency-budget',
        (l) =>
          l.params.corpus === 'manual' &&
          l.params.docs === undefined &&
          numberAt(l.results, 'ingest.seconds') !== undefined,
      );
      if (!manual) return undefined;
      const seconds = numberAt(manual.results, 'ingest.seconds');
      const chunks = numberAt(manual.params, 'chunks');
      const reference = index.latest(
        'ingest',
        (l) => numberAt(l.results, 'reference.medianChunksPerSecond') !== undefined,
      );
      const rate = reference ? numberAt(reference.results, 'reference.medianChunksPerSecond') : undefined;
      const floor =
        rate !== undefined && chunks !== undefined
          ? `; the floor at the reference's ${fixed(rate, 1)} chunks/s (ingest run of ${reference!.date.slice(0, 10)}, ${reference!.commit.slice(0, 7)}): ${fixed(chunks / rate / 60, 1)} min` +
            `; ${MANUAL_GOAL_MINUTES} min needs ${fixed(chunks / (MANUAL_GOAL_MINUTES * 60), 1)} chunks/s, ${times(chunks / (MANUAL_GOAL_MINUTES * 60) / rate)} the reference`
          : '; the floor: not measured (no ingest run with the reference at this code)';
      return {
        line: manual,
        measured: `${count(chunks)} chunks in ${fixed(seconds === undefined ? undefined : seconds / 60, 1)} min${floor}`,
        met: seconds === undefined ? undefined : seconds <= MANUAL_GOAL_MINUTES * 60,
      };
    },
  },
];

function details(line: BenchLine): string {
  const r = line.results;
  const path = (name: 'workflow' | 'direct') => [
    name,
    fixed(numberAt(r, `${name}.medianChunksPerSecond`), 2),
    fixed(numberAt(r, `${name}.medianDocsPerSecond`), 2),
    fixed(numberAt(r, `${name}.medianCpuMsPerChunk`), 0),
  ];
  const reference =
    numberAt(r, 'referenceRatio') === undefined
      ? []
      : [
          [
            `ONNX Runtime reference (Python, ${fixed(numberAt(r, 'reference.threads'), 0)} threads, sorted batches of ${fixed(numberAt(r, 'reference.batchSize'), 0)}; embedding only)`,
            fixed(numberAt(r, 'reference.medianChunksPerSecond'), 2),
            '',
            fixed(numberAt(r, 'reference.medianCpuMsPerChunk'), 0),
          ],
          ['workflow ÷ reference', times(numberAt(r, 'referenceRatio')), '', ''],
          ['direct ÷ reference', times(numberAt(r, 'directReferenceRatio')), '', ''],
        ];
  const rounds = at(r, 'roundRatios');
  const perRound = Array.isArray(rounds) ? rounds.map((x) => times(typeof x === 'number' ? x : undefined)) : [];
  return markdownTable(
    ['path', 'chunks/s (median)', 'docs/s (median)', 'CPU ms/chunk (median)'],
    [
      path('workflow'),
      path('direct'),
      [
        'workflow ÷ direct',
        `${times(numberAt(r, 'ratio'))}${perRound.length ? ` (rounds: ${perRound.join(', ')})` : ''}`,
        '',
        '',
      ],
      ['CPU per chunk, direct ÷ workflow', '', '', times(numberAt(r, 'cpuRatio'))],
      ...reference,
    ],
  );
}

export function renderIngest(index: ResultsIndex): string {
  const line = latest(index);
  const caption = line
    ? runCaption(
        line,
        `${flags(line.params, { docs: '--docs', rounds: '--rounds' })} Corpus ${String(line.params.corpus ?? '?')}: ` +
          `${fixed(numberAt(line.results, 'docs'), 0)} documents (${fixed(numberAt(line.results, 'rejectedDocs'), 0)} rejected), ` +
          `${fixed(numberAt(line.results, 'chunks'), 0)} chunks per run.`,
      )
    : notMeasuredNote(index, 'ingest');
  return [goalTable(ingestGoals, index), caption, ...(line ? [details(line)] : [])].join('\n\n');
}
