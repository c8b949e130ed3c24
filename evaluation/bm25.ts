/**
 * Okapi BM25 over whole documents: the lexical baseline a retrieval evaluation sets the engine
 * beside. Deliberately plain (no stemming, no phrase or field weights), so that it measures what
 * shared words alone find.
 */

/** Words too common to say what a question is about. */
// prettier-ignore
const STOPWORDS = new Set([
  'a', 'about', 'after', 'all', 'also', 'am', 'an', 'and', 'any', 'are', 'as', 'at', 'be', 'been', 'before',
  'being', 'but', 'by', 'can', 'could', 'did', 'do', 'does', 'each', 'for', 'from', 'had', 'has', 'have', 'how',
  'i', 'if', 'in', 'into', 'is', 'it', 'its', 'just', 'me', 'more', 'my', 'no', 'not', 'of', 'on', 'one', 'only',
  'or', 'other', 'our', 's', 'same', 'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'them',
  'then', 'there', 'these', 'they', 'this', 'those', 'to', 'up', 'us', 'very', 'was', 'we', 'were', 'what',
  'when', 'where', 'which', 'while', 'who', 'why', 'will', 'with', 'would', 'you', 'your',
]);

/** Lowercase, split on anything but letters and digits, drop stopwords: the same for queries and documents. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token !== '' && !STOPWORDS.has(token));
}

export interface Bm25Document {
  source: string;
  text: string;
}

export interface Bm25Hit {
  source: string;
  score: number;
}

export interface Bm25Parameters {
  /** How quickly repeating a term stops adding to the score. */
  k1: number;
  /** How much a document's length relative to the average discounts its term counts (0 = not at all). */
  b: number;
}

export const OKAPI_DEFAULTS: Bm25Parameters = { k1: 1.2, b: 0.75 };

/**
 * An in-memory BM25 index. A query term `t` adds
 * `idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·len/avgLen))` to a document's score, with
 * `idf(t) = ln((N − n(t) + 0.5) / (n(t) + 0.5) + 1)`: the `+ 1` keeps a term found in more than
 * half the documents from counting against them. Each distinct query term counts once.
 */
export class Bm25Index {
  private readonly sources: string[];
  private readonly lengths: number[];
  private readonly averageLength: number;
  /** term → [document index, term count] for every document holding it. */
  private readonly postings = new Map<string, [number, number][]>();

  constructor(
    documents: readonly Bm25Document[],
    private readonly parameters: Bm25Parameters = OKAPI_DEFAULTS,
  ) {
    this.sources = documents.map((d) => d.source);
    this.lengths = [];
    documents.forEach((document, index) => {
      const tokens = tokenize(document.text);
      this.lengths.push(tokens.length);
      const counts = new Map<string, number>();
      for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
      for (const [term, count] of counts) {
        const list = this.postings.get(term);
        if (list) list.push([index, count]);
        else this.postings.set(term, [[index, count]]);
      }
    });
    const total = this.lengths.reduce((sum, n) => sum + n, 0);
    this.averageLength = documents.length === 0 ? 0 : total / documents.length;
  }

  /** The documents sharing a term with `query`, best first (ties by source), at most `limit`. */
  search(query: string, limit = 10): Bm25Hit[] {
    const { k1, b } = this.parameters;
    const n = this.sources.length;
    const scores = new Map<number, number>();
    for (const term of new Set(tokenize(query))) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log((n - list.length + 0.5) / (list.length + 0.5) + 1);
      for (const [index, tf] of list) {
        // A term has postings only if some document has tokens, so the average length is > 0 here.
        const relativeLength = this.lengths[index]! / this.averageLength;
        const weight = (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * relativeLength));
        scores.set(index, (scores.get(index) ?? 0) + idf * weight);
      }
    }
    return [...scores]
      .map(([index, score]) => ({ source: this.sources[index]!, score }))
      .sort((x, y) => y.score - x.score || (x.source < y.source ? -1 : x.source > y.source ? 1 : 0))
      .slice(0, limit);
  }
}
