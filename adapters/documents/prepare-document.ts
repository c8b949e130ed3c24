import path from 'node:path';
import { chunkSections, type Chunk, type ChunkOptions } from './chunk';
import type { DocumentKind } from './document-kind';
import { rejectDocument, type DocumentRejection } from './document-rejection';
import { parseHtml } from './parse-html';
import { parseMarkdown } from './parse-markdown';
import { parseText } from './parse-text';
import type { ParsedDocument } from './parsed-document';
import { checkDocumentContent, readDocument, type ReadDocumentOptions, type SourceDocument } from './read-document';

export interface PrepareDocumentOptions extends ReadDocumentOptions {
  chunking?: ChunkOptions;
}

/** What is stored about a document next to its chunks. */
export interface PreparedDocument {
  title: string;
  sourceUri: string;
  contentHash: string;
  kind: DocumentKind;
  bytes: number;
}

export type PrepareDocumentResult = { ok: true; doc: PreparedDocument; chunks: Chunk[] } | DocumentRejection;

/** Parses `text` with the parser for `kind`; `fallbackTitle` is used when the text names none. */
export function parseDocument(kind: DocumentKind, text: string, fallbackTitle: string): ParsedDocument {
  switch (kind) {
    case 'html':
      return parseHtml(text, fallbackTitle);
    case 'markdown':
      return parseMarkdown(text, fallbackTitle);
    case 'text':
      return parseText(text, fallbackTitle);
  }
}

function parseAndChunk(source: SourceDocument, chunking: ChunkOptions | undefined): PrepareDocumentResult {
  const { sourceUri, contentHash, kind, bytes, text } = source;
  const parsed = parseDocument(kind, text, path.posix.basename(sourceUri));
  const chunks = chunkSections(parsed.sections, chunking);
  if (chunks.length === 0) return rejectDocument(sourceUri, { reason: 'EMPTY', afterMarkup: true });
  return { ok: true, doc: { title: parsed.title, sourceUri, contentHash, kind, bytes }, chunks };
}

/**
 * Reads, parses and chunks one local file: everything ingestion needs except embeddings and ids
 * (see `docIdFor`, `chunkId`). A document that yields no chunks, such as a page that is all
 * navigation, is rejected as `EMPTY`. Only transient I/O errors throw.
 */
export async function prepareDocument(
  filePath: string,
  options: PrepareDocumentOptions = {},
): Promise<PrepareDocumentResult> {
  const read = await readDocument(filePath, options);
  return read.ok ? parseAndChunk(read.doc, options.chunking) : read;
}

/**
 * The same for content already in memory (a staged document, a corpus file): checked as
 * `checkDocumentContent` does, parsed by the kind of `sourceUri`'s extension, and chunked.
 */
export function prepareDocumentContent(
  sourceUri: string,
  content: Uint8Array,
  options: Omit<PrepareDocumentOptions, 'baseDir'> = {},
): PrepareDocumentResult {
  const checked = checkDocumentContent(sourceUri, content, options.maxBytes);
  return checked.ok ? parseAndChunk(checked.doc, options.chunking) : checked;
}
