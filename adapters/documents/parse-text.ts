import type { ParsedDocument } from './parsed-document';
import { collapseWhitespace, normalizeNewlines, tidyPreformatted, truncateAtWord } from './text-normalize';

/** Longest title taken from a text file's first line; longer lines are cut at a word. */
export const MAX_TEXT_TITLE_CHARS = 80;

/**
 * Parses plain text into one section with no headings. Paragraphs (separated by blank lines) and
 * the line breaks inside them are kept as written; only trailing spaces and extra blank lines go.
 *
 * Title: the first non-empty line (cut to 80 characters), else `fallbackTitle`.
 */
export function parseText(text: string, fallbackTitle = ''): ParsedDocument {
  const paragraphs = normalizeNewlines(text)
    .split(/\n[ \t\f\v]*\n/)
    .map(tidyPreformatted)
    .filter((p) => p !== '');
  const firstLine = collapseWhitespace(paragraphs[0]?.split('\n')[0] ?? '');
  return {
    title: firstLine === '' ? fallbackTitle : truncateAtWord(firstLine, MAX_TEXT_TITLE_CHARS),
    sections: paragraphs.length === 0 ? [] : [{ headingPath: [], text: paragraphs.join('\n\n') }],
  };
}
