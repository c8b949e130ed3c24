import { readFile, stat } from 'node:fs/promises';
import { rejectDocument, type DocumentRejection } from './document-rejection';

export type LocalFileRead = { ok: true; bytes: Buffer } | DocumentRejection;

/** Errors that mean "this file cannot be read"; anything else (EMFILE, EIO…) may pass and is thrown. */
export const UNREADABLE_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

/**
 * Reads a file the caller named on its own machine (the CLI, the client library), reported under
 * `sourceUri`. The size is checked with `stat` first, so a huge file is refused as `TOO_LARGE`
 * without being read; a missing file, a folder or a FIFO (opening it would block) is `UNREADABLE`.
 * Only transient I/O errors are thrown.
 */
export async function readLocalFile(filePath: string, sourceUri: string, maxBytes: number): Promise<LocalFileRead> {
  try {
    const info = await stat(filePath);
    if (!info.isFile()) return rejectDocument(sourceUri, { reason: 'UNREADABLE', cause: 'not a file' });
    if (info.size > maxBytes) return rejectDocument(sourceUri, { reason: 'TOO_LARGE', bytes: info.size, maxBytes });
    const bytes = await readFile(filePath);
    // The file may have grown between stat and read.
    if (bytes.length > maxBytes)
      return rejectDocument(sourceUri, { reason: 'TOO_LARGE', bytes: bytes.length, maxBytes });
    return { ok: true, bytes };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && UNREADABLE_CODES.has(code))
      return rejectDocument(sourceUri, { reason: 'UNREADABLE', cause: code });
    throw err;
  }
}
