/**
 * Why a single document was not ingested.
 *
 * A rejection is a value, not an exception: one bad file in a folder of thousands is reported and
 * skipped, never fails the whole batch. Codes are stable (scripts and the ingest workflow's summary
 * rely on them); messages say what to do next.
 */
export const DOCUMENT_REJECTION_REASONS = [
  'BINARY',
  'INVALID_UTF8',
  'EMPTY',
  'TOO_LARGE',
  'UNSUPPORTED_TYPE',
  'UNREADABLE',
  'OUTSIDE_CORPUS',
  'HIDDEN',
  'NOT_STAGED',
] as const;

export type DocumentRejectionReason = (typeof DOCUMENT_REJECTION_REASONS)[number];

export interface DocumentRejection {
  ok: false;
  reason: DocumentRejectionReason;
  sourceUri: string;
  message: string;
}

/** What the rejecting check found; each reason carries the facts its message needs. */
export type RejectionDetail =
  | { reason: 'BINARY' }
  | { reason: 'INVALID_UTF8' }
  | { reason: 'EMPTY'; afterMarkup?: boolean }
  | { reason: 'TOO_LARGE'; bytes: number; maxBytes: number }
  | { reason: 'UNSUPPORTED_TYPE'; extension: string; supported: readonly string[] }
  | { reason: 'UNREADABLE'; cause: string }
  /** A corpus path that leaves its root: absolute, `..`, or a symbolic link pointing out. */
  | { reason: 'OUTSIDE_CORPUS'; corpus: string; problem: string }
  /** A dotfile or a path through a dot-directory. */
  | { reason: 'HIDDEN' }
  /** A staged id that names no staged document of this tenant (another tenant's, released, expired). */
  | { reason: 'NOT_STAGED'; stagedId: string };

/** Builds the rejection for `sourceUri`, with a message that tells the user how to fix it. */
export function rejectDocument(sourceUri: string, detail: RejectionDetail): DocumentRejection {
  return { ok: false, reason: detail.reason, sourceUri, message: `${sourceUri}: ${describe(detail)}` };
}

function describe(detail: RejectionDetail): string {
  switch (detail.reason) {
    case 'BINARY':
      return 'looks like a binary file (NUL bytes or many control characters); memflow ingests UTF-8 text only. Convert it to text, or remove it from the ingest source.';
    case 'INVALID_UTF8':
      return 'is not valid UTF-8. Re-encode it as UTF-8 (e.g. `iconv -f latin1 -t utf-8`) and ingest it again.';
    case 'EMPTY':
      return detail.afterMarkup
        ? 'has no text left once markup and navigation are removed; nothing to index. Add content or remove it from the ingest source.'
        : 'is empty or whitespace only; nothing to index. Add content or remove it from the ingest source.';
    case 'TOO_LARGE':
      return `is ${formatBytes(detail.bytes)}, over the ${formatBytes(detail.maxBytes)} limit. Split it into smaller files, or raise the ingest size limit (maxBytes).`;
    case 'UNSUPPORTED_TYPE':
      return detail.extension === ''
        ? `has no extension. memflow ingests ${detail.supported.join(', ')} files only; rename it (e.g. README → README.md) or remove it from the ingest source.`
        : `has unsupported type '${detail.extension}'. memflow ingests ${detail.supported.join(', ')} only; convert it (e.g. pdftotext for PDF) or remove it from the ingest source.`;
    case 'UNREADABLE':
      return `could not be read (${detail.cause}). Check that the file exists, is a regular file and is readable.`;
    case 'OUTSIDE_CORPUS':
      return `is not inside corpus "${detail.corpus}" (${detail.problem}); nothing was read. Name files by their path under the corpus root.`;
    case 'HIDDEN':
      return 'names a hidden file or folder (a name starting with "."), which memflow never ingests; nothing was read. Rename it, or leave it out of the ingest.';
    case 'NOT_STAGED':
      return `has no staged content for this tenant (staged id ${detail.stagedId}: released, expired after a day, or staged for another tenant). Ingest the file again.`;
  }
}

/** `1536` → `1.5 KiB`: sizes in messages are read by people. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
