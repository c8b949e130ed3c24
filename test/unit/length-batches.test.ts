import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLengthBatches } from '../../adapters/embed/length-batches';

const padded = (lengths: number[], batch: number[]) => batch.length * Math.max(...batch.map((i) => lengths[i]!));

describe('planLengthBatches', () => {
  it('sorts texts by token count so each pass pads little, and covers every text once', () => {
    const lengths = [200, 12, 180, 15, 190, 14, 13, 210];
    const batches = planLengthBatches(lengths, { maxTexts: 4, maxPaddedTokens: 10_000 });
    assert.deepEqual(batches, [
      [1, 6, 5, 3],
      [2, 4, 0, 7],
    ]);
    // Unsorted, the same two passes of 4 would embed 4×200 + 4×210 tokens; sorted, 4×15 + 4×210.
    assert.equal(
      batches.reduce((s, b) => s + padded(lengths, b), 0),
      4 * 15 + 4 * 210,
    );
  });

  it('keeps every pass within the padded-token bound; a longer text goes alone', () => {
    const lengths = [100, 100, 100, 60, 60, 300, 10];
    const batches = planLengthBatches(lengths, { maxTexts: 32, maxPaddedTokens: 200 });
    assert.deepEqual(batches, [[6, 3, 4], [0, 1], [2], [5]]);
    for (const b of batches.slice(0, -1)) assert.ok(padded(lengths, b) <= 200);
    assert.deepEqual(
      batches.flat().sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6],
    );
  });

  it('keeps input order among equal lengths and returns nothing for no texts', () => {
    assert.deepEqual(planLengthBatches([5, 5, 5], { maxTexts: 2, maxPaddedTokens: 100 }), [[0, 1], [2]]);
    assert.deepEqual(planLengthBatches([], { maxTexts: 2, maxPaddedTokens: 100 }), []);
  });
});
