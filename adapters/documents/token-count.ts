/** Counts the tokens of a text the way the embedding model will; injected into the chunker. */
export type TokenCounter = (text: string) => number;

/** Runs of letters/digits, single Han/kana characters, and single punctuation marks. */
const APPROXIMATE_TOKEN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu;

/**
 * A cheap stand-in for a WordPiece tokenizer: one token per word, per punctuation mark and per
 * CJK character. It undercounts long or rare words (WordPiece splits `autovacuum` into several
 * pieces), so use it for tests and as a fallback, not to size chunks for a real model.
 */
export function approximateTokenCount(text: string): number {
  return text.match(APPROXIMATE_TOKEN)?.length ?? 0;
}
