import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstHitRank, retrievalTableRows, scoreRetrieval } from '../../contracts/retrieval-metrics';
import type { RankedQuestion } from '../../contracts/retrieval-metrics';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

describe('firstHitRank', () => {
  it('counts positions over distinct sources: a page repeated for each of its chunks takes one place', () => {
    assert.equal(firstHitRank(['d'], ['b', 'b', 'e', 'd']), 3);
    assert.equal(firstHitRank(['x', 'e'], ['b', 'b', 'e', 'd']), 2);
    assert.equal(firstHitRank(['z'], ['b', 'e']), undefined);
  });
});

describe('scoreRetrieval', () => {
  const ten = ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
  const questions: RankedQuestion[] = [
    // rank 1
    { id: 'q1', kind: 'literal', expected: ['a'], ranked: ['a', 'b', 'a', 'c'] },
    // distinct ranking b, e, d: rank 3 (its raw position is 4)
    { id: 'q2', kind: 'paraphrased', expected: ['c', 'd'], ranked: ['b', 'b', 'e', 'd', 'f'] },
    // 11th distinct source: outside every cutoff
    { id: 'q3', kind: 'paraphrased', expected: ['z'], ranked: [...ten, 'z'] },
    // rank 7
    { id: 'q4', kind: 'literal', expected: ['m'], ranked: ['a', 'b', 'c', 'd', 'e', 'f', 'm'] },
  ];
  const report = scoreRetrieval(questions);

  it('gives recall@1/5/10 and MRR@10 overall', () => {
    assert.equal(report.overall.questions, 4);
    close(report.overall.recallAt[1], 1 / 4);
    close(report.overall.recallAt[5], 2 / 4);
    close(report.overall.recallAt[10], 3 / 4);
    close(report.overall.mrrAt10, (1 + 1 / 3 + 0 + 1 / 7) / 4); // 31/84
  });

  it('and per kind', () => {
    const literal = report.byKind.literal!;
    const paraphrased = report.byKind.paraphrased!;
    assert.deepEqual([literal.questions, paraphrased.questions], [2, 2]);
    assert.deepEqual(literal.recallAt, { 1: 0.5, 5: 0.5, 10: 1 });
    close(literal.mrrAt10, (1 + 1 / 7) / 2);
    assert.deepEqual(paraphrased.recallAt, { 1: 0, 5: 0.5, 10: 0.5 });
    close(paraphrased.mrrAt10, 1 / 6);
  });

  it('lists the questions missed at each cutoff and every rank', () => {
    assert.deepEqual(report.missedAt, { 1: ['q2', 'q3', 'q4'], 5: ['q3', 'q4'], 10: ['q3'] });
    assert.deepEqual(
      report.outcomes.map((o) => o.rank),
      [1, 3, 11, 7],
    );
  });

  it('leaves out kinds the set does not have, and scores an empty set as zeros', () => {
    assert.deepEqual(Object.keys(scoreRetrieval([questions[0]!]).byKind), ['literal']);
    const empty = scoreRetrieval([]);
    assert.deepEqual(empty.overall, { questions: 0, recallAt: { 1: 0, 5: 0, 10: 0 }, mrrAt10: 0 });
  });

  it('prints one row per scope', () => {
    const { header, rows } = retrievalTableRows(report);
    assert.equal(header.length, 6);
    assert.deepEqual(rows[0], ['overall', '4', '0.250', '0.500', '0.750', '0.369']);
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['overall', 'literal', 'paraphrased'],
    );
  });
});
