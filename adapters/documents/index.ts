/**
 * Document ingestion, pure part: read a file, reject what cannot be indexed, parse HTML, Markdown
 * or text into sections under headings, and cut sections into overlapping token-bounded chunks
 * with deterministic ids. No network, no database: activities wrap this.
 */
export {
  chunkSections,
  DEFAULT_CHUNK_MAX_TOKENS,
  DEFAULT_CHUNK_OVERLAP_TOKENS,
  type Chunk,
  type ChunkOptions,
} from './chunk';
export { chunkId, docIdFor, sha256Hex, stagedIdFor, textHash } from './chunk-id';
export { readCorpusFile, type CorpusFileRead, type CorpusRoot } from './corpus-file';
export { documentKindFor, SUPPORTED_EXTENSIONS, type DocumentKind } from './document-kind';
export {
  DOCUMENT_REJECTION_REASONS,
  rejectDocument,
  type DocumentRejection,
  type DocumentRejectionReason,
  type RejectionDetail,
} from './document-rejection';
export { looksBinary } from './looks-binary';
export { parseHtml } from './parse-html';
export { parseMarkdown } from './parse-markdown';
export { parseText } from './parse-text';
export type { ParsedDocument, Section } from './parsed-document';
export {
  parseDocument,
  prepareDocument,
  prepareDocumentContent,
  type PrepareDocumentOptions,
  type PrepareDocumentResult,
  type PreparedDocument,
} from './prepare-document';
export {
  checkDocumentContent,
  DEFAULT_MAX_DOCUMENT_BYTES,
  readDocument,
  type ReadDocumentOptions,
  type ReadDocumentResult,
  type SourceDocument,
} from './read-document';
export { readLocalFile, type LocalFileRead } from './read-local-file';
export { normalizeSourceUri, toSourceUri } from './source-uri';
export { approximateTokenCount, type TokenCounter } from './token-count';
