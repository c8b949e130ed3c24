import type { Pool } from 'pg';
import { liveDocumentTexts } from '../adapters/postgres/document-registry';
import type { Bm25Document } from './bm25';
import { readCorpusPages } from './corpus-pages';

/** The tenant's live documents as the registry holds them (title, then its chunks in order). */
export async function registryDocuments(db: Pool, tenant: string): Promise<Bm25Document[]> {
  const documents = await liveDocumentTexts(db, tenant);
  return documents.map((d) => ({ source: d.sourceUri, text: `${d.title}\n\n${d.text}` }));
}

/** The documents ingesting `dir` would store, with the text memflow extracts from each (the manual's pages). */
export async function folderDocuments(dir: string): Promise<Bm25Document[]> {
  const { pages } = await readCorpusPages(dir);
  return pages.map((p) => ({ source: p.source, text: p.text }));
}
