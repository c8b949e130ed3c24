import path from 'node:path';

/** How a document is parsed; decided by file extension only, never by sniffing content. */
export type DocumentKind = 'html' | 'markdown' | 'text';

const KIND_BY_EXTENSION: Readonly<Record<string, DocumentKind>> = {
  '.html': 'html',
  '.htm': 'html',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
};

/** The extensions memflow ingests, for messages and for callers that walk folders. */
export const SUPPORTED_EXTENSIONS: readonly string[] = Object.keys(KIND_BY_EXTENSION);

/**
 * The kind of `filePath` by its (case-insensitive) extension, or `undefined` for any other
 * extension and for files without one: `LICENSE` or `.env` are not documents memflow ingests.
 */
export function documentKindFor(filePath: string): DocumentKind | undefined {
  const extension = path.extname(filePath).toLowerCase();
  return Object.hasOwn(KIND_BY_EXTENSION, extension) ? KIND_BY_EXTENSION[extension] : undefined;
}
