/**
 * The documents `memflow ingest <folder>` (and `memflow corpus postgres-docs`, which ingests its
 * HTML folder as one) would store, each under the source a search hit or citation carries, with
 * the text memflow extracts from it. Built from the same functions ingestion uses, so a question
 * set checked against it names exactly what a tenant holds.
 */
import path from 'node:path';
import { chunkSections, parseDocument, readDocument } from '../adapters/documents';
import { expandPaths } from '../client/expand-paths';

export interface CorpusPage {
  /** The document's source URI: its path relative to the folder (`sql-vacuum.html`). */
  source: string;
  title: string;
  /** The title and every section's text as the parser extracts them, in order. */
  text: string;
}

export interface CorpusPages {
  pages: CorpusPage[];
  /** Files ingestion would refuse (too large, empty after markup…), with the reason. */
  refused: { source: string; reason: string }[];
}

/** Reads every document of `dir` that ingesting the folder would store. */
export async function readCorpusPages(dir: string): Promise<CorpusPages> {
  const { files, baseDir } = expandPaths([dir]);
  const pages: CorpusPage[] = [];
  const refused: CorpusPages['refused'] = [];
  for (const file of files) {
    const read = await readDocument(file, { baseDir });
    if (!read.ok) {
      refused.push({ source: read.sourceUri, reason: read.reason });
      continue;
    }
    const { sourceUri, kind, text } = read.doc;
    const parsed = parseDocument(kind, text, path.posix.basename(sourceUri));
    // What prepareDocument refuses as EMPTY: nothing left to chunk once the markup is gone.
    if (chunkSections(parsed.sections).length === 0) {
      refused.push({ source: sourceUri, reason: 'EMPTY' });
      continue;
    }
    pages.push({
      source: sourceUri,
      title: parsed.title,
      text: [parsed.title, ...parsed.sections.map((s) => s.text)].join('\n\n'),
    });
  }
  return { pages, refused };
}

/** Runs of whitespace as one space, no leading or trailing space: how facts are matched. */
export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
