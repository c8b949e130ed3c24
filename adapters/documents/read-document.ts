import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MemflowError } from '../../contracts/errors';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../contracts/ingest';
import { sha256Hex } from './chunk-id';
import { documentKindFor, SUPPORTED_EXTENSIONS, type DocumentKind } from './document-kind';
import { rejectDocument, type DocumentRejection } from './document-rejection';
import { looksBinary } from './looks-binary';
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

/** A document read from disk and checked to be non-empty UTF-8 text of a supported kind. */
export interface SourceDocument {
  sourceUri: string;
  /** Size of the file in bytes. */
  bytes: number;
  /** The decoded text (a UTF-8 byte order mark is dropped). */
  text: string;
  /** Hex SHA-256 of the raw bytes: unchanged files can be skipped on re-ingest. */
  contentHash: string;
  kind: DocumentKind;
}

export type ReadDocumentResult = { ok: true; doc: SourceDocument } | DocumentRejection;

/** Errors that mean "this file cannot be read"; anything else (EMFILE, EIO…) may pass and is thrown. */
const UNREADABLE_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

/**
 * Reads one document and checks it can be ingested. Problems with the document itself come back
 * as a `DocumentRejection` (`UNSUPPORTED_TYPE`, `UNREADABLE`, `TOO_LARGE`, `EMPTY`, `BINARY`,
 * `INVALID_UTF8`); only transient I/O errors are thrown, so a retry may succeed.
 *
 * The size is checked with `stat` before anything is read, so a huge file costs nothing.
 */
export async function readDocument(filePath: string, options: ReadDocumentOptions = {}): Promise<ReadDocumentResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new MemflowError('INVALID_INPUT', `maxBytes must be a positive integer, got ${maxBytes}.`);
  }
  const sourceUri = toSourceUri(filePath, options.baseDir);

  const kind = documentKindFor(filePath);
  if (kind === undefined) {
    const extension = path.extname(filePath);
    return rejectDocument(sourceUri, { reason: 'UNSUPPORTED_TYPE', extension, supported: SUPPORTED_EXTENSIONS });
  }

  let read: BoundedRead;
  try {
    read = await readAtMost(filePath, maxBytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && UNREADABLE_CODES.has(code)) {
      return rejectDocument(sourceUri, { reason: 'UNREADABLE', cause: code });
    }
    throw err;
  }
  if (read.status === 'not-a-file') return rejectDocument(sourceUri, { reason: 'UNREADABLE', cause: 'not a file' });
  if (read.status === 'too-large') {
    return rejectDocument(sourceUri, { reason: 'TOO_LARGE', bytes: read.size, maxBytes });
  }

  const raw = read.bytes;
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

type BoundedRead = { status: 'read'; bytes: Buffer } | { status: 'too-large'; size: number } | { status: 'not-a-file' };

/**
 * Reads the whole file unless `stat` says it is over `maxBytes` or not a regular file (opening a
 * FIFO would block).
 */
async function readAtMost(filePath: string, maxBytes: number): Promise<BoundedRead> {
  const info = await stat(filePath);
  if (!info.isFile()) return { status: 'not-a-file' };
  if (info.size > maxBytes) return { status: 'too-large', size: info.size };
  const bytes = await readFile(filePath);
  // The file may have grown between stat and read.
  return bytes.length > maxBytes ? { status: 'too-large', size: bytes.length } : { status: 'read', bytes };
}

function startsWithUtf16Bom(bytes: Uint8Array): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}
