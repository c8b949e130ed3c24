import { MemflowError } from '../../contracts/errors';
import type { Section } from './parsed-document';
import { approximateTokenCount, type TokenCounter } from './token-count';

/** Fits all-MiniLM-L6-v2's 256 word-piece window with room for [CLS], [SEP] and a heading prefix. */
export const DEFAULT_CHUNK_MAX_TOKENS = 200;
/** Context repeated from the end of one chunk at the start of the next. */
export const DEFAULT_CHUNK_OVERLAP_TOKENS = 40;

export interface ChunkOptions {
  maxTokens?: number;
  overlapTokens?: number;
  /** Defaults to `approximateTokenCount`; pass the embedding model's tokenizer in production. */
  countTokens?: TokenCounter;
}

export interface Chunk {
  /** Position in the document, from 0, across sections. */
  ordinal: number;
  text: string;
  headingPath: string[];
  tokenCount: number;
}

interface Limits {
  maxTokens: number;
  overlapTokens: number;
  countTokens: TokenCounter;
}

/** How good a place to end a chunk is the gap after a word. */
const enum Boundary {
  Word = 0,
  Line = 1,
  Sentence = 2,
  Paragraph = 3,
}

const SENTENCE_END = /[.!?…。！？]["'”’)\]]*$/u;

/**
 * Splits sections into chunks of at most `maxTokens` tokens as counted by `countTokens`. Each
 * chunk is a verbatim slice of one section (never two), and after the first, starts with about
 * `overlapTokens` tokens from the end of the previous chunk of that section.
 *
 * Chunks end at a paragraph break if one leaves the chunk at least half full, else at a sentence
 * end, else a line break, else between words. Words are never split, except a single
 * whitespace-free run longer than `maxTokens` (a data blob), which is cut by characters. The
 * output depends only on the input, so chunk ids derived from it are stable.
 */
export function chunkSections(sections: readonly Section[], options: ChunkOptions = {}): Chunk[] {
  const limits = validateOptions(options);
  const chunks: Chunk[] = [];
  for (const section of sections) {
    for (const text of splitSection(section.text, limits)) {
      const tokenCount = limits.countTokens(text);
      chunks.push({ ordinal: chunks.length, text, headingPath: [...section.headingPath], tokenCount });
    }
  }
  return chunks;
}

function validateOptions(options: ChunkOptions): Limits {
  const maxTokens = options.maxTokens ?? DEFAULT_CHUNK_MAX_TOKENS;
  const overlapTokens = options.overlapTokens ?? DEFAULT_CHUNK_OVERLAP_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new MemflowError('INVALID_INPUT', `maxTokens must be a positive integer, got ${maxTokens}.`);
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= maxTokens) {
    throw new MemflowError(
      'INVALID_INPUT',
      `overlapTokens must be an integer from 0 to maxTokens - 1 (${maxTokens - 1}), got ${overlapTokens}.`,
    );
  }
  return { maxTokens, overlapTokens, countTokens: options.countTokens ?? approximateTokenCount };
}

function splitSection(text: string, { maxTokens, overlapTokens, countTokens }: Limits): string[] {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const match of text.matchAll(/\S+/g)) {
    starts.push(match.index);
    ends.push(match.index + match[0].length);
  }
  const wordCount = starts.length;
  const span = (first: number, last: number): string => text.slice(starts[first], ends[last]);
  const tokens = (first: number, last: number): number => countTokens(span(first, last));
  const boundaryAfter = (word: number): Boundary => {
    const gap = text.slice(ends[word], starts[word + 1]);
    if (/\n[ \t]*\n/.test(gap)) return Boundary.Paragraph;
    if (SENTENCE_END.test(text.slice(starts[word], ends[word]))) return Boundary.Sentence;
    return gap.includes('\n') ? Boundary.Line : Boundary.Word;
  };

  const pieces: string[] = [];
  let first = 0; // first word of the next chunk (overlap included)
  let fresh = 0; // first word not yet in any chunk
  while (fresh < wordCount) {
    if (tokens(first, fresh) > maxTokens) {
      if (first < fresh) {
        first = fresh; // the overlap leaves no room for the next word: drop it
        continue;
      }
      pieces.push(...splitOversizedWord(span(fresh, fresh), maxTokens, countTokens));
      fresh += 1;
      first = fresh;
      continue;
    }

    let last = gallop(fresh, wordCount - 1, (word) => tokens(first, word) <= maxTokens);
    if (last < wordCount - 1) last = preferredEnd(last);
    pieces.push(span(first, last));
    fresh = last + 1;
    first = fresh < wordCount ? overlapStart(last) : fresh;
  }
  return pieces;

  /** The farthest paragraph, sentence or line end that keeps the chunk at least half full. */
  function preferredEnd(last: number): number {
    for (const wanted of [Boundary.Paragraph, Boundary.Sentence, Boundary.Line]) {
      let end = last;
      while (end >= fresh && boundaryAfter(end) < wanted) end -= 1;
      if (end >= fresh && tokens(first, end) * 2 >= maxTokens) return end;
    }
    return last;
  }

  /** Where the next chunk starts: ≤ overlapTokens back, at a sentence or line start if that keeps half of it. */
  function overlapStart(last: number): number {
    if (overlapTokens === 0 || last === first || tokens(last, last) > overlapTokens) return last + 1;
    const earliest = last - gallop(0, last - first - 1, (back) => tokens(last - back, last) <= overlapTokens);
    for (const wanted of [Boundary.Sentence, Boundary.Line]) {
      let start = earliest;
      while (start <= last && boundaryAfter(start - 1) < wanted) start += 1;
      if (start <= last && tokens(start, last) * 2 >= overlapTokens) return start;
    }
    return earliest;
  }
}

/** Cuts a whitespace-free run into pieces of at most `maxTokens`, at code point boundaries. */
function splitOversizedWord(word: string, maxTokens: number, countTokens: TokenCounter): string[] {
  const codePoints = Array.from(word);
  const pieces: string[] = [];
  let from = 0;
  while (from < codePoints.length) {
    const piece = (to: number): string => codePoints.slice(from, to + 1).join('');
    // At least one code point per piece, so a counter that charges extra tokens cannot stall us.
    const to = gallop(from, codePoints.length - 1, (end) => end === from || countTokens(piece(end)) <= maxTokens);
    pieces.push(piece(to));
    from = to + 1;
  }
  return pieces;
}

/**
 * The largest `i` in [from, limit] with `fits(i)`, given `fits(from)` and that `fits` turns false
 * once and stays false. Probes grow exponentially from `from`, so the texts counted stay close to
 * one chunk's size however long the section is.
 */
function gallop(from: number, limit: number, fits: (i: number) => boolean): number {
  let lo = from;
  let hi = limit + 1;
  for (let step = 1; lo + step <= limit; step *= 2) {
    if (!fits(lo + step)) {
      hi = lo + step;
      break;
    }
    lo += step;
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
