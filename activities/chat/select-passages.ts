import { DOCUMENT_SCORE_DECAY, TURN_DOCUMENTS, TURN_PASSAGE_LIMIT } from '../../contracts/search';

export interface ScoredChunk {
  docId: string;
  /** The chunk's fused score: higher is better. */
  score: number;
}

export interface RankedDocument<T extends ScoredChunk> {
  docId: string;
  /** Σ DOCUMENT_SCORE_DECAY^i · score_i over its chunks, best first. */
  score: number;
  /** Best first. */
  chunks: T[];
}

/** Groups chunks by document and ranks the documents (contracts/search.ts `DOCUMENT_SCORE_DECAY`). */
export function rankDocuments<T extends ScoredChunk>(chunks: readonly T[]): RankedDocument<T>[] {
  const byDoc = new Map<string, T[]>();
  for (const chunk of chunks) {
    const list = byDoc.get(chunk.docId);
    if (list) list.push(chunk);
    else byDoc.set(chunk.docId, [chunk]);
  }
  const firstSeen = new Map([...byDoc.keys()].map((docId, i) => [docId, i]));
  return [...byDoc.entries()]
    .map(([docId, list]) => {
      const sorted = [...list].sort((a, b) => b.score - a.score);
      const score = sorted.reduce((sum, c, i) => sum + c.score * DOCUMENT_SCORE_DECAY ** i, 0);
      return { docId, score, chunks: sorted };
    })
    .sort((a, b) => b.score - a.score || firstSeen.get(a.docId)! - firstSeen.get(b.docId)!);
}

/** How many documents `limit` passages cover: the same share as a turn's TURN_DOCUMENTS of TURN_PASSAGE_LIMIT. */
export function documentsFor(limit: number): number {
  return Math.max(1, Math.ceil((limit * TURN_DOCUMENTS) / TURN_PASSAGE_LIMIT));
}

/**
 * The passages a turn keeps, from the top of one ranking and spread across documents: the best
 * `documentsFor(limit)` documents' best chunks, then their second-best chunks in document order, and
 * so on; only if those documents run out of chunks do later documents fill the rest. Returned grouped
 * by document, best document first, each document's chunks best first — the order the executor
 * numbers them in, so citations follow the ranking.
 */
export function selectPassages<T extends ScoredChunk>(chunks: readonly T[], limit: number): T[] {
  const documents = rankDocuments(chunks);
  const covered = documentsFor(limit);
  const picked = new Map<string, T[]>();
  let count = 0;
  const take = (docs: RankedDocument<T>[]) => {
    const deepest = Math.max(0, ...docs.map((d) => d.chunks.length));
    for (let round = 0; round < deepest && count < limit; round += 1) {
      for (const doc of docs) {
        const chunk = doc.chunks[round];
        if (!chunk || count >= limit) continue;
        picked.set(doc.docId, [...(picked.get(doc.docId) ?? []), chunk]);
        count += 1;
      }
    }
  };
  take(documents.slice(0, covered));
  take(documents.slice(covered));
  return documents.flatMap((d) => picked.get(d.docId) ?? []);
}
