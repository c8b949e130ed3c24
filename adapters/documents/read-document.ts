import path from 'node:path';
import { MemflowError } from '../../contracts/errors';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../contracts/ingest';
import { sha256Hex } from './chunk-id';
import { documentKindFor, SUPPORTED_EXTENSIONS, type DocumentKind } from './document-kind';
import { rejectDocument, type DocumentRejection } from './document-rejection';
import { looksBinary } from './looks-binary';
import { readLocalFile } from './read-local-file';
import { toSourceUri } from './source-uri';

/**
 * Largest document ingested by default: 2 MiB. That is roughly 1,500 chunks of 200 tokens, far
 * more than any hand-written page; bigger files are usually dumps or logs that deserve a decision.
 */
export { DEFAULT_MAX_DOCUMENT_BYTES };

export interface ReadDocumentOptions {
  /** Files larger than this are rejected with `TOO_LARGE` without being read. */
  maxBytes?: number;
  /** Folder the `sourceUri` is relative to (see `toSourceUri`); defaults to the working directory. */
  baseDir?: string;
}

/** A document's content checked to be non-empty UTF-8 text of a supported kind. */
export interface SourceDocument {
  sourceUri: string;
  /** Size of the content in bytes. */
  bytes: number;
  /** The decoded text (a UTF-8 byte order mark is dropped). */
  text: string;
  /** Hex SHA-256 of the raw bytes: unchanged documents can be skipped on re-ingest. */
  contentHash: string;
  kind: DocumentKind;
}

export type ReadDocumentResult = { ok: true; doc: SourceDocument } | DocumentRejection;

function checkedMaxBytes(maxBytes: number): number {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new MemflowError('INVALID_INPUT', `maxBytes must be a positive integer, got ${maxBytes}.`);
  }
  return maxBytes;
}

function unsupported(sourceUri: string, name: string): DocumentRejection {
  return rejectDocument(sourceUri, {
    reason: 'UNSUPPORTED_TYPE',
    extension: path.posix.extname(name),
    supported: SUPPORTED_EXTENSIONS,
  });
}

/**
 * Checks a document's raw content, wherever it came from (a staged row, a corpus file): its kind
 * by the extension of `sourceUri`, then `TOO_LARGE`, `EMPTY`, `BINARY`, `INVALID_UTF8`. Problems
 * come back as a `DocumentRejection`; nothing is thrown for bad content.
 */
export function checkDocumentContent(
  sourceUri: string,
  raw: Uint8Array,
  maxBytes = DEFAULT_MAX_DOCUMENT_BYTES,
): ReadDocumentResult {
  checkedMaxBytes(maxBytes);
  const kind = documentKindFor(sourceUri);
  if (kind === undefined) return unsupported(sourceUri, sourceUri);
  if (raw.length > maxBytes) return rejectDocument(sourceUri, { reason: 'TOO_LARGE', bytes: raw.length, maxBytes });
  if (raw.length === 0) return rejectDocument(sourceUri, { reason: 'EMPTY' });
  // UTF-16 text is full of NUL bytes; calling it an encoding problem tells the user the real fix.
  if (startsWithUtf16Bom(raw)) return rejectDocument(sourceUri, { reason: 'INVALID_UTF8' });
  if (looksBinary(raw)) return rejectDocument(sourceUri, { reason: 'BINARY' });

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return rejectDocument(sourceUri, { reason: 'INVALID_UTF8' });
  }
  if (text.trim() === '') return rejectDocument(sourceUri, { reason: 'EMPTY' });
  return { ok: true, doc: { sourceUri, bytes: raw.length, text, contentHash: sha256Hex(raw), kind } };
}

/**
 * Reads one local file and checks it can be ingested (`checkDocumentContent`); the kind is checked
 * before anything is read, the size with `stat`, so a huge file costs nothing. Only transient I/O
 * errors are thrown, so a retry may succeed. The worker never calls this with a path a caller
 * chose: callers stage content, and corpus files are read by `readCorpusFile`.
 */
export async function readDocument(filePath: string, options: ReadDocumentOptions = {}): Promise<ReadDocumentResult> {
  const maxBytes = checkedMaxBytes(options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES);
  const sourceUri = toSourceUri(filePath, options.baseDir);
  if (documentKindFor(filePath) === undefined) return unsupported(sourceUri, path.basename(filePath));
  const read = await readLocalFile(filePath, sourceUri, maxBytes);
  if (!read.ok) return read;
  return checkDocumentContent(sourceUri, read.bytes, maxBytes);
}

function startsWithUtf16Bom(bytes: Uint8Array): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}
