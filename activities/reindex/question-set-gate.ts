import type { EmbeddingIdentity } from '../../contracts/embedding';
import type { QuestionSetComparison, QuestionSetScores, ReindexQuestionSet } from '../../contracts/reindex';
import { scoreRetrieval } from '../../contracts/retrieval-metrics';
import { TURN_PASSAGE_LIMIT } from '../../contracts/search';
import { rankedPassages } from '../chat/retrieve-chunks';
import type { LiveIndexDeps } from '../ingest/live-index';
import type { RetrievalStores } from '../chat/retrieve-chunks';

/** The gate ranks as a turn does, with the worker's lexical leg. */
export type GateDeps = LiveIndexDeps & Pick<RetrievalStores, 'lexicalLeg'>;

/** Questions embedded per call. */
const EMBED_BATCH = 32;

export interface ScoredVersion {
  collection: string;
  identity: EmbeddingIdentity;
}

/**
 * Each question ranked as a chat turn ranks it (`rankedPassages`, the function `retrieveChunks`
 * uses): embedded with the collection's own model, dense and lexical legs fused, the tenant's rows of
 * live document versions, a turn's passages spread over its documents, best document first. The
 * sources of those passages, one per passage.
 */
async function rankSources(deps: GateDeps, version: ScoredVersion, set: ReindexQuestionSet): Promise<string[][]> {
  const embedder = await deps.embedders.get(version.identity.model);
  const texts = set.questions.map((q) => q.question);
  const vectors: number[][] = [];
  for (let i = 0; i < texts.length; i += EMBED_BATCH) {
    vectors.push(...(await embedder.embed(texts.slice(i, i + EMBED_BATCH))));
  }
  const rankings: string[][] = [];
  for (const [i, question] of texts.entries()) {
    const passages = await rankedPassages(deps, {
      collection: version.collection,
      identity: embedder.identity,
      tenant: set.tenant,
      queries: [question],
      vectors: [vectors[i]!],
      limit: TURN_PASSAGE_LIMIT,
    });
    rankings.push(passages.map((p) => p.source));
  }
  return rankings;
}

/** Page-level recall@5 of one version on the question set, overall and per kind. */
export async function scoreVersion(
  deps: GateDeps,
  version: ScoredVersion,
  set: ReindexQuestionSet,
): Promise<QuestionSetScores> {
  const rankings = await rankSources(deps, version, set);
  const report = scoreRetrieval(set.questions.map((q, i) => ({ ...q, ranked: rankings[i]! })));
  const byKind: QuestionSetScores['recallAt5ByKind'] = {};
  for (const [kind, scores] of Object.entries(report.byKind)) byKind[kind as keyof typeof byKind] = scores.recallAt[5];
  return {
    collection: version.collection,
    model: version.identity.model,
    recallAt5: report.overall.recallAt[5],
    recallAt5ByKind: byKind,
    missedAt5: report.missedAt[5],
  };
}

/** `v3` for `<prefix>_chunks_<model>_v3`: the version a collection holds. */
function versionLabel(collection: string): string {
  return /_(v\d+)$/.exec(collection)?.[1] ?? collection;
}

function describe(s: QuestionSetScores): string {
  const kinds = Object.entries(s.recallAt5ByKind)
    .map(([kind, r]) => `${kind} ${r.toFixed(3)}`)
    .join(', ');
  return `${s.recallAt5.toFixed(3)} on ${s.model} (${versionLabel(s.collection)})${kinds ? ` [${kinds}]` : ''}`;
}

/**
 * The quality half of the gate: the old (serving) and the new version scored on the admin's
 * question set. Refused, with a reason that carries both scores, when the new recall@5 is below the
 * old one minus the tolerance.
 */
export async function compareOnQuestionSet(
  deps: GateDeps,
  set: ReindexQuestionSet,
  previous: ScoredVersion,
  next: ScoredVersion,
): Promise<{ comparison: QuestionSetComparison; reason?: string }> {
  const tolerance = set.recallTolerance ?? 0;
  const old = await scoreVersion(deps, previous, set);
  const fresh = await scoreVersion(deps, next, set);
  const n = set.questions.length;
  // Both are hits / n, equal when the counts are; the epsilon keeps float rounding of the tolerance from deciding.
  const passed = fresh.recallAt5 >= old.recallAt5 - tolerance - 1e-9;
  const comparison: QuestionSetComparison = {
    tenant: set.tenant,
    questions: n,
    recallTolerance: tolerance,
    passed,
    previous: old,
    next: fresh,
  };
  if (passed) return { comparison };
  const allowed = tolerance > 0 ? ` - tolerance ${tolerance}` : '';
  return {
    comparison,
    reason: `question set (${n} questions, tenant ${set.tenant}): recall@5 ${describe(fresh)} < ${describe(old)}${allowed}`,
  };
}
