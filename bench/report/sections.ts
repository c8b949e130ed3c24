/**
 * The generated sections of the documentation: each sits between `<!-- bench-report:NAME -->` and
 * `<!-- /bench-report:NAME -->` in its file, and only `memflow bench report` writes what is between.
 */
import type { GoalRow } from './goals';
import { summaryTable } from './goals';
import type { ResultsIndex } from './results-lines';
import { QUIET_OTHER_CPU_SHARE } from './qualify';
import { percent } from './format';
import { chaosGoals, renderChaos } from './tables/chaos';
import { embedThreadGoals, renderEmbedThread } from './tables/embed-thread';
import { ingestGoals, renderIngest } from './tables/ingest';
import { latencyBudgetGoals, renderLatencyBudget } from './tables/latency-budget';
import { memoryGoals, renderMemory } from './tables/memory';
import { reindexSearchGoals, renderReindexSearch } from './tables/reindex-search';
import { renderSearch, searchGoals } from './tables/search';
import { manualSearchGoals, renderManualSearch } from './tables/manual-search';
import { renderTurnOverhead, turnOverheadGoals } from './tables/turn-overhead';
import { renderTurnThroughput, turnThroughputGoals } from './tables/turn-throughput';
import { renderRetrieval, retrievalGoals } from './tables/retrieval';

export const DOCUMENTS = ['README.md', 'bench/README.md'] as const;
export type DocumentPath = (typeof DOCUMENTS)[number];

export interface Section {
  file: DocumentPath;
  name: string;
  render(index: ResultsIndex): string;
}

/** Every goal of every benchmark, in the order README.md lists them. */
export const ALL_GOALS: GoalRow[] = [
  ...turnOverheadGoals,
  ...latencyBudgetGoals,
  ...searchGoals,
  ...manualSearchGoals,
  ...turnThroughputGoals,
  ...memoryGoals,
  ...ingestGoals,
  ...reindexSearchGoals,
  ...embedThreadGoals,
  ...chaosGoals,
  ...retrievalGoals,
];

const RULES = [
  'Each row is the latest run in `bench/results/` that is clean (committed code), quiet (other processes',
  `used at most ${percent(QUIET_OTHER_CPU_SHARE)} of the CPU) and of the current code (nothing the benchmark measures`,
  'changed since its commit); "not measured" where there is none.',
].join('\n');

export const SECTIONS: Section[] = [
  { file: 'README.md', name: 'summary', render: (index) => `${RULES}\n\n${summaryTable(ALL_GOALS, index)}` },
  { file: 'bench/README.md', name: 'ingest', render: renderIngest },
  { file: 'bench/README.md', name: 'reindex-search', render: renderReindexSearch },
  { file: 'bench/README.md', name: 'embed-thread', render: renderEmbedThread },
  { file: 'bench/README.md', name: 'turn-overhead', render: renderTurnOverhead },
  { file: 'bench/README.md', name: 'latency-budget', render: renderLatencyBudget },
  { file: 'bench/README.md', name: 'search', render: renderSearch },
  { file: 'bench/README.md', name: 'manual-search', render: renderManualSearch },
  { file: 'bench/README.md', name: 'turn-throughput', render: renderTurnThroughput },
  { file: 'bench/README.md', name: 'memory', render: renderMemory },
  { file: 'bench/README.md', name: 'chaos', render: renderChaos },
  { file: 'bench/README.md', name: 'retrieval', render: renderRetrieval },
];
