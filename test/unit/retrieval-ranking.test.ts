import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentsFor, rankDocuments, selectPassages } from '../../activities/chat/select-passages';
import { BM25_FLOOR, DENSE_FLOOR, aboveFloor, fuseLegs } from '../../adapters/milvus/fuse-legs';
import type { SearchHit } from '../../adapters/milvus/vector-store';
import {
  LEXICAL_WEIGHT,
  DENSE_WEIGHT,
  DOCUMENT_SCORE_DECAY,
  RRF_K,
  TURN_DOCUMENTS,
  TURN_PASSAGE_LIMIT,
  fusedScore,
} from '../../contracts/search';

function hit(id: string, docId = id): SearchHit {
  return {
    id,
    tenant: 'acme',
    docId,
    docVersion: 1,
    ordinal: 0,
    title: docId,
    source: `${docId}.html`,
    headingPath: '',
    embeddingModel: 'm',
    score: 0,
  };
}

describe('fuseLegs: weighted reciprocal rank fusion', () => {
  it('scores each chunk by its ranks in both legs, once, best first', () => {
    const fused = fuseLegs([hit('a'), hit('b'), hit('c')], [hit('c'), hit('d'), hit('a')]);
    assert.deepEqual(
      fused.map((h) => [h.id, h.legs]),
      [
        ['a', { dense: 1, lexical: 3 }],
        ['c', { dense: 3, lexical: 1 }],
        ['b', { dense: 2, lexical: null }],
        ['d', { dense: null, lexical: 2 }],
      ],
    );
    assert.equal(fused[0]!.score, DENSE_WEIGHT / (RRF_K + 1) + LEXICAL_WEIGHT / (RRF_K + 3));
    for (const h of fused) assert.equal(h.score, fusedScore(h.legs!));
  });

  it('weighs the dense leg more: its first beats BM25s first when each leg holds one alone', () => {
    const fused = fuseLegs([hit('dense-first')], [hit('bm25-first')]);
    assert.equal(fused[0]!.id, 'dense-first');
    assert.ok(DENSE_WEIGHT > LEXICAL_WEIGHT);
  });

  it('counts a chunk a leg returned twice at its first rank', () => {
    const fused = fuseLegs([hit('a'), hit('a')], [hit('b'), hit('b')]);
    assert.deepEqual(
      fused.map((h) => h.legs),
      [
        { dense: 1, lexical: null },
        { dense: null, lexical: 1 },
      ],
    );
  });
});

const chunk = (id: string, docId: string, score: number) => ({ id, docId, score });

describe('rankDocuments', () => {
  it("scores a document by its chunks' scores, best first, each worth the decay times the one before", () => {
    const docs = rankDocuments([chunk('a1', 'a', 0.5), chunk('b1', 'b', 0.8), chunk('a2', 'a', 0.6)]);
    assert.deepEqual(
      docs.map((d) => [d.docId, d.chunks.map((c) => c.id)]),
      [
        ['a', ['a2', 'a1']],
        ['b', ['b1']],
      ],
    );
    assert.equal(docs[0]!.score, 0.6 + DOCUMENT_SCORE_DECAY * 0.5);
  });

  it('keeps the first-seen order between equal documents', () => {
    assert.deepEqual(
      rankDocuments([chunk('x', 'x', 1), chunk('y', 'y', 1)]).map((d) => d.docId),
      ['x', 'y'],
    );
  });
});

describe('selectPassages', () => {
  // Six documents: d0 best … d5 worst, each with three chunks (d<i>-0 its best).
  const chunks = Array.from({ length: 6 }, (_, d) =>
    Array.from({ length: 3 }, (_, c) => chunk(`d${d}-${c}`, `d${d}`, 1 / (1 + d) - c * 0.01)),
  ).flat();

  it("a turn's passages: the best documents' best chunks, then the first ones' second best, grouped", () => {
    assert.equal(documentsFor(TURN_PASSAGE_LIMIT), TURN_DOCUMENTS);
    const picked = selectPassages(chunks, TURN_PASSAGE_LIMIT).map((c) => c.id);
    assert.equal(TURN_PASSAGE_LIMIT, 8);
    assert.equal(TURN_DOCUMENTS, 5);
    assert.deepEqual(picked, ['d0-0', 'd0-1', 'd1-0', 'd1-1', 'd2-0', 'd2-1', 'd3-0', 'd4-0']);
  });

  it('later documents fill in only when the first run out of chunks', () => {
    const thin = [chunk('a', 'a', 0.9), chunk('b', 'b', 0.8), chunk('c', 'c', 0.7), chunk('d', 'd', 0.1)];
    assert.deepEqual(
      selectPassages(thin, 3).map((c) => c.id),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      selectPassages([chunk('a1', 'a', 0.9), chunk('a2', 'a', 0.8), chunk('z', 'z', 0.1)], 3).map((c) => c.id),
      ['a1', 'a2', 'z'],
    );
  });

  it('a deep search keeps the same document order, so a turn is the top of it', () => {
    const deep = [...new Set(selectPassages(chunks, 18).map((c) => c.docId))];
    const turn = [...new Set(selectPassages(chunks, TURN_PASSAGE_LIMIT).map((c) => c.docId))];
    assert.deepEqual(deep.slice(0, turn.length), turn);
    assert.equal(selectPassages(chunks, 50).length, chunks.length, 'never more than there are');
  });
});

describe('aboveFloor: a leg counts its hits down to a share of its best', () => {
  const scored = (scores: number[]) => scores.map((score, i) => ({ id: `h${i}`, score }));
  it('cuts the tail below the floor, and similarities of the other sign (cosine)', () => {
    assert.deepEqual(
      aboveFloor(scored([0.8, 0.6, 0.47, 0.2, -0.1, -0.7]), DENSE_FLOOR, true).map((h) => h.id),
      ['h0', 'h1'],
    );
  });
  it('reads negated BM25 scores (milvus-lite) by their ratio to the first', () => {
    assert.deepEqual(
      aboveFloor(scored([-30, -20, -14.9, -2]), BM25_FLOOR, true).map((h) => h.id),
      ['h0', 'h1'],
    );
  });
  it('leaves distances and empty legs alone', () => {
    assert.equal(aboveFloor(scored([0.1, 5, 50]), 0.6, false).length, 3);
    assert.deepEqual(aboveFloor([], 0.6, true), []);
  });
});
