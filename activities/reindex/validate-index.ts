import type { Pool } from 'pg';
import type { EmbeddingIdentity } from '../../contracts/embedding';
import { liveChunkCountsByTenant, sampleLiveChunks } from '../../adapters/postgres/document-registry';
import { updateReindex } from '../../adapters/postgres/reindex-control';
import type { QuestionSetComparison, ReindexQuestionSet, ReindexStep } from '../../contracts/reindex';
import { injectFault } from './fault-injection';
import { compareOnQuestionSet } from './question-set-gate';
import type { GateDeps } from './question-set-gate';

export interface GoldenQuery {
  tenant: string;
  query: string;
  /** The chunk the query was drawn from: a complete index finds it. */
  chunkId: string;
}

export interface ValidationReport {
  passed: boolean;
  reasons: string[];
  counts: Record<string, { registry: number; collection: number }>;
  recallAt5: number;
  overlapAt5: number;
  goldenQueries: number;
  /** Only when the saga was given a question set: both versions' recall@5 on it. */
  questionSet?: QuestionSetComparison;
}

export interface ValidateInput {
  reindexId: number;
  collection: string;
  identity: EmbeddingIdentity;
  previousCollection: string;
  previousIdentity: EmbeddingIdentity;
  minRecall: number;
  minOverlap: number;
  goldenSize: number;
  /** The admin's retrieval question set, when given: the new version must not retrieve worse on it. */
  questionSet?: ReindexQuestionSet;
  failAt?: ReindexStep;
}

/** A deterministic sample of live chunks turned into queries (their first words); stored with the run. */
async function goldenQueries(db: Pool, reindexId: number, size: number): Promise<GoldenQuery[]> {
  const sample = await sampleLiveChunks(db, reindexId, size);
  return sample.map((c) => ({
    tenant: c.tenant,
    chunkId: c.chunkId,
    query: c.text.split(/\s+/).slice(0, 24).join(' '),
  }));
}

/**
 * Step 4, the gate: the new collection holds exactly the registry's live chunks for every tenant,
 * a golden query set finds its source chunks (recall@5) and overlaps the old version's results,
 * and, given a question set, the new version's page-level recall@5 on it is not below the old one's.
 */
export async function validateIndex(deps: GateDeps, input: ValidateInput): Promise<ValidationReport> {
  const reasons: string[] = [];
  const registry = await liveChunkCountsByTenant(deps.db);
  const counts: ValidationReport['counts'] = {};
  for (const [tenant, expected] of Object.entries(registry)) {
    const actual = await deps.vectors.count(input.collection, { tenant });
    counts[tenant] = { registry: expected, collection: actual };
    if (actual !== expected)
      reasons.push(`tenant ${tenant}: ${actual} chunks in ${input.collection}, ${expected} in the registry`);
  }
  const golden = await goldenQueries(deps.db, input.reindexId, input.goldenSize);
  const newEmbedder = await deps.embedders.get(input.identity.model);
  const oldEmbedder = await deps.embedders.get(input.previousIdentity.model);
  const newVectors = await newEmbedder.embed(golden.map((g) => g.query));
  const oldVectors = await oldEmbedder.embed(golden.map((g) => g.query));
  let found = 0;
  let overlap = 0;
  const top5 = (collection: string, identity: EmbeddingIdentity, tenant: string, vector: number[]) =>
    deps.vectors.search({ collection, tenant, vector, identity, limit: 5 });
  for (const [i, g] of golden.entries()) {
    const fresh = await top5(input.collection, input.identity, g.tenant, newVectors[i]!);
    const old = await top5(input.previousCollection, input.previousIdentity, g.tenant, oldVectors[i]!);
    if (fresh.some((h) => h.id === g.chunkId)) found += 1;
    const oldIds = new Set(old.map((h) => h.id));
    overlap += fresh.filter((h) => oldIds.has(h.id)).length / Math.max(1, Math.min(5, old.length));
  }
  const recallAt5 = golden.length ? found / golden.length : 1;
  const overlapAt5 = golden.length ? overlap / golden.length : 1;
  if (recallAt5 < input.minRecall) reasons.push(`recall@5 ${recallAt5.toFixed(2)} is below ${input.minRecall}`);
  if (overlapAt5 < input.minOverlap)
    reasons.push(`overlap@5 with the old version ${overlapAt5.toFixed(2)} is below ${input.minOverlap}`);
  let questionSet: QuestionSetComparison | undefined;
  if (input.questionSet) {
    const verdict = await compareOnQuestionSet(
      deps,
      input.questionSet,
      { collection: input.previousCollection, identity: input.previousIdentity },
      { collection: input.collection, identity: input.identity },
    );
    questionSet = verdict.comparison;
    if (verdict.reason) reasons.push(verdict.reason);
  }
  const report: ValidationReport = {
    passed: reasons.length === 0,
    reasons,
    counts,
    recallAt5,
    overlapAt5,
    goldenQueries: golden.length,
    ...(questionSet ? { questionSet } : {}),
  };
  await updateReindex(deps.db, input.reindexId, { goldenQueries: golden, validation: report });
  injectFault('validate', input.failAt);
  return report;
}
