import { fusedScore } from '../../contracts/search';
import type { LegRanks } from '../../contracts/search';

/**
 * A leg's hits count only down to this share of its best hit's score (a relative cut-off): on a
 * small tenant a 50-deep leg holds nearly every chunk, and the ones that barely match would
 * otherwise add up, by their ranks alone, to outrank the document that answers. On the PostgreSQL
 * manual (13k chunks) neither floor changes the question set's recall: there the legs' 50th hits
 * still score at least 0.38 (dense) and 0.5 (BM25) of their first.
 */
export const DENSE_FLOOR = 0.6;
export const BM25_FLOOR = 0.5;
/** The PostgreSQL full-text leg's: the same share as BM25's (bench/manual-search.ts measured it so). */
export const FULLTEXT_FLOOR = BM25_FLOOR;

/**
 * The hits (ranked best first) whose score is at least `floor` times the first one's, as a ratio of
 * the two (milvus-lite reports BM25 scores negated, best first, so the ratio still holds; a
 * similarity of the other sign than the best is cut); for a distance (L2) the floor is not applied.
 */
export function aboveFloor<T extends { score: number }>(
  hits: readonly T[],
  floor: number,
  higherIsBetter: boolean,
): T[] {
  const best = hits[0]?.score ?? 0;
  if (!higherIsBetter || best === 0) return [...hits];
  return hits.filter((h) => h.score / best >= floor);
}

/**
 * Weighted reciprocal rank fusion of a hybrid search's two legs, each ranked best first: every chunk
 * either leg found, once, with its rank in each (`legs`, null where a leg did not find it) and its
 * fused score (`fusedScore`), best first; ties keep the dense leg's order, then the lexical leg's.
 * A chunk both legs found keeps the dense leg's fields.
 */
export function fuseLegs<D extends { id: string }, L extends { id: string }>(
  dense: readonly D[],
  lexical: readonly L[],
): ((D | L) & { score: number; legs: LegRanks })[] {
  const fused = new Map<string, (D | L) & { legs: LegRanks }>();
  for (const [i, hit] of dense.entries()) {
    if (!fused.has(hit.id)) fused.set(hit.id, { ...hit, legs: { dense: i + 1, lexical: null } });
  }
  for (const [i, hit] of lexical.entries()) {
    const seen = fused.get(hit.id);
    if (seen) {
      if (seen.legs.lexical === null) seen.legs.lexical = i + 1;
    } else {
      fused.set(hit.id, { ...hit, legs: { dense: null, lexical: i + 1 } });
    }
  }
  return [...fused.values()].map((hit) => ({ ...hit, score: fusedScore(hit.legs) })).sort((a, b) => b.score - a.score);
}
