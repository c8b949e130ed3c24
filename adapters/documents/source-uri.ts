import path from 'node:path';

/**
 * A document's `sourceUri` is its path relative to the folder being ingested, with `/` separators
 * (`guides/vacuum.html`). Relative, so the same corpus ingested from another checkout or machine
 * keeps the same document ids; files outside `baseDir` keep their absolute path.
 */
export function toSourceUri(filePath: string, baseDir: string = process.cwd()): string {
  const absolute = path.resolve(filePath);
  const relative = path.relative(path.resolve(baseDir), absolute);
  const outside = relative === '' || relative.startsWith('..') || path.isAbsolute(relative);
  return normalizeSourceUri(outside ? absolute : relative);
}

/**
 * The canonical spelling of a source URI: `/` separators, no `./` or `a/../`, Unicode NFC (macOS
 * file systems hand out NFD names). Case is kept: most file systems memflow runs on are
 * case-sensitive.
 */
export function normalizeSourceUri(uri: string): string {
  return path.posix.normalize(uri.normalize('NFC').replace(/\\/g, '/'));
}
