/** bench/ingest.ts: the workflow's chunks/s against the direct script's, in the same run. */
import type { GoalRow } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { at, fixed, flags, markdownTable, numberAt, runCaption, times } from '../format';

const GOAL_RATIO = 0.85;
const REFERENCE_GOAL_RATIO = 0.9;

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
