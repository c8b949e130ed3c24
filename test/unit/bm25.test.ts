import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bm25Index, tokenize } from '../../evaluation/bm25';

/** Scores are compared to hand-computed values to 4 decimals. */
function assertRanking(actual: { source: string; score: number }[], expected: [string, number][]): void {
  assert.deepEqual(
    actual.map((h) => h.source),
    expected.map(([s]) => s),
  );
  actual.forEach((hit, i) => assert.ok(Math.abs(hit.score - expected[i]![1]) < 1e-4, `${hit.source}: ${hit.score}`));
}

describe('tokenize', () => {
  it('lowercases, splits on anything but letters and digits, and drops stopwords', () => {
    assert.deepEqual(tokenize("The pg_dump-tool's output (in UTF-8) IS what it is"), [
      'pg',
      'dump',
      'tool',
      'output',
      'utf',
      '8',
    ]);
  });
});

describe('Bm25Index', () => {
  // Three documents of 3 tokens each, so every length is the average and b has no effect:
  // a term scores idf · tf·2.2/(tf + 1.2). N = 3; cat, sat and dog are in 2 documents:
  // idf = ln(1.5/2.5 + 1) = ln 1.6 = 0.470004; mat and log in 1: idf = ln(2.5/1.5 + 1) = 0.980829.
  const equalLengths = new Bm25Index([
    { source: 'a.html', text: 'The cat sat on the mat' },
    { source: 'b.html', text: 'The dog sat on the log' },
    { source: 'c.html', text: 'Cat and cat and dog' },
  ]);

  it('ranks by term frequency with saturation: tf 2 scores 1.375× tf 1, not 2×', () => {
    // c: 0.470004 · 2·2.2/3.2 = 0.646255; a: 0.470004 · 1.
    assertRanking(equalLengths.search('cat'), [
      ['c.html', 0.646255],
      ['a.html', 0.470004],
    ]);
  });

  it('weighs rare terms higher, ignores stopwords, and breaks ties by source', () => {
    // "on" is a stopword; mat (rare) outscores dog (common); b and c tie on dog.
    assertRanking(equalLengths.search('dog on mat'), [
      ['a.html', 0.980829],
      ['b.html', 0.470004],
      ['c.html', 0.470004],
    ]);
  });

  it('counts a query term once however often the query repeats it, and finds nothing for unknown words', () => {
    assert.deepEqual(equalLengths.search('cat cat cat'), equalLengths.search('cat'));
    assert.deepEqual(equalLengths.search('zebra'), []);
  });

  it('honours the limit', () => {
    assert.deepEqual(
      equalLengths.search('cat dog sat', 2).map((h) => h.source),
      ['c.html', 'a.html'],
    );
  });

  it('discounts long documents (b = 0.75)', () => {
    // Lengths 1 and 3, average 2. cat is in both: idf = ln(0.5/2.5 + 1) = ln 1.2 = 0.182322.
    // x: K = 1.2·(0.25 + 0.75·0.5) = 0.75, score 0.182322 · 2.2/1.75 = 0.229205.
    // y: K = 1.2·(0.25 + 0.75·1.5) = 1.65, score 0.182322 · 2.2/2.65 = 0.151361.
    // bird, only in y (tf 2): idf = ln(1.5/1.5 + 1) = ln 2, score 0.693147 · 4.4/3.65 = 0.835575.
    const index = new Bm25Index([
      { source: 'x.html', text: 'cat' },
      { source: 'y.html', text: 'cat bird bird' },
    ]);
    assertRanking(index.search('cat'), [
      ['x.html', 0.229205],
      ['y.html', 0.151361],
    ]);
    assertRanking(index.search('bird'), [['y.html', 0.835575]]);
  });
});
