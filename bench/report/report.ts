/**
 * The whole report: the results lines of every benchmark with their verdicts, and each document
 * as committed next to the same document with its sections rendered from those lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assertFullHistory, gitChangedSince } from './git-history';
import type { ChangedSince } from './qualify';
import { describeDrift, renderDocument } from './render-docs';
import type { ResultsIndex } from './results-lines';
import { indexResults, readResultsFiles } from './results-lines';
import type { DocumentPath } from './sections';
import { DOCUMENTS, SECTIONS } from './sections';

export interface RenderedDocument {
  document: DocumentPath;
  file: string;
  committed: string;
  rendered: string;
  /** Empty when the committed document is the render. */
  drift: string[];
}

export interface Report {
  index: ResultsIndex;
  documents: RenderedDocument[];
}

/**
 * Renders the documents of the checkout at `root` from its bench/results/. `changedSince` defaults
 * to asking that checkout's git (which must have its full history).
 */
export async function buildReport(root: string, changedSince?: ChangedSince): Promise<Report> {
  if (!changedSince) {
    assertFullHistory(root);
    changedSince = gitChangedSince(root);
  }
  const index = indexResults(readResultsFiles(path.join(root, 'bench', 'results')), changedSince);
  const documents: RenderedDocument[] = [];
  for (const document of DOCUMENTS) {
    const file = path.join(root, document);
    const committed = fs.readFileSync(file, 'utf8');
    const rendered = await renderDocument(committed, file, document, SECTIONS, index);
    documents.push({ document, file, committed, rendered, drift: describeDrift(committed, rendered, document) });
  }
  return { index, documents };
}
