/**
 * How a request's texts are grouped into forward passes. A pass pads every text to its longest, and
 * padding is embedded like real tokens (attention over it is masked, the matrix products are not),
 * so texts of one pass should be of one length: sorted by token count, then cut into passes of at
 * most `maxTexts` texts and `maxPaddedTokens` tokens padding included. The token bound also bounds
 * how long one pass holds the model, which is how long an interactive request can wait behind a
 * bulk one (`PriorityRunner`).
 */
export interface LengthBatchLimits {
  maxTexts: number;
  maxPaddedTokens: number;
}

/**
 * Indices of `lengths`, grouped into passes: ascending length, each pass within the limits (a
 * single text longer than `maxPaddedTokens` gets a pass of its own). Ties keep input order.
 */
export function planLengthBatches(lengths: readonly number[], limits: LengthBatchLimits): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    // Sorted ascending: this text is the longest of the pass if it joins it.
    const padded = (current.length + 1) * lengths[i]!;
    if (current.length > 0 && (current.length >= limits.maxTexts || padded > limits.maxPaddedTokens)) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
