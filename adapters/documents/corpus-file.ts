import { constants } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { MemflowError } from '../../contracts/errors';
import { relativePathProblem } from '../../contracts/relative-path';
import { documentKindFor, SUPPORTED_EXTENSIONS } from './document-kind';
import { rejectDocument, type DocumentRejection } from './document-rejection';
import { UNREADABLE_CODES } from './read-local-file';
import { normalizeSourceUri } from './source-uri';

export interface CorpusRoot {
  name: string;
  /** Absolute path of the root folder, as configured (`MEMFLOW_CORPUS_ROOTS`). */
  dir: string;
}

export type CorpusFileRead = { ok: true; sourceUri: string; bytes: Buffer } | DocumentRejection;

/** Whether `target` is `root` itself or below it; both are real (symlink-free) absolute paths. */
function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/** The real path of an open file, where the OS tells it (Linux: /proc/self/fd). */
async function openedPath(fd: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/**
 * Reads `relativePath` under a configured corpus root, confined to it. Refused, with nothing read:
 * a path that is absolute or climbs out with `..` (`OUTSIDE_CORPUS`), names a dotfile or goes
 * through a dot-directory (`HIDDEN`), has no supported extension (`UNSUPPORTED_TYPE`: extensionless
 * files are not text), or whose real path — after every symbolic link — leaves the root or is
 * hidden or unsupported itself. The file is opened without following a final link and its opened
 * path checked again, so a link swapped in after the check cannot redirect the read. Missing files
 * and non-files are `UNREADABLE`, files over `maxBytes` `TOO_LARGE`. Only transient I/O errors throw.
 */
export async function readCorpusFile(
  root: CorpusRoot,
  relativePath: string,
  maxBytes: number,
): Promise<CorpusFileRead> {
  const sourceUri = normalizeSourceUri(relativePath);
  const problem = relativePathProblem(relativePath);
  if (problem?.kind === 'hidden') return rejectDocument(sourceUri, { reason: 'HIDDEN' });
  if (problem)
    return rejectDocument(sourceUri, { reason: 'OUTSIDE_CORPUS', corpus: root.name, problem: problem.message });
  const unsupported = (name: string) =>
    rejectDocument(sourceUri, {
      reason: 'UNSUPPORTED_TYPE',
      extension: path.extname(name),
      supported: SUPPORTED_EXTENSIONS,
    });
  if (documentKindFor(relativePath) === undefined) return unsupported(relativePath);

  let rootReal: string;
  try {
    rootReal = await realpath(root.dir);
  } catch (err) {
    throw new MemflowError(
      'CONFIG_INVALID',
      `Corpus "${root.name}" points at ${root.dir}, which this worker cannot open (${(err as NodeJS.ErrnoException).code}). Fix MEMFLOW_CORPUS_ROOTS.`,
      { cause: err },
    );
  }
  let fd: Awaited<ReturnType<typeof open>> | undefined;
  try {
    const real = await realpath(path.join(rootReal, ...relativePath.split('/')));
    if (!isInside(rootReal, real)) {
      return rejectDocument(sourceUri, {
        reason: 'OUTSIDE_CORPUS',
        corpus: root.name,
        problem: 'a symbolic link leads out of the root',
      });
    }
    const realRelative = path.relative(rootReal, real).split(path.sep).join('/');
    if (relativePathProblem(realRelative)?.kind === 'hidden') return rejectDocument(sourceUri, { reason: 'HIDDEN' });
    if (documentKindFor(real) === undefined) return unsupported(real);

    // O_NONBLOCK: opening a FIFO must not hang the activity; O_NOFOLLOW: no link swapped in since.
    fd = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const opened = await openedPath(fd.fd);
    if (opened !== undefined && !isInside(rootReal, opened)) {
      return rejectDocument(sourceUri, {
        reason: 'OUTSIDE_CORPUS',
        corpus: root.name,
        problem: 'the file moved out of the root while it was opened',
      });
    }
    const info = await fd.stat();
    if (!info.isFile()) return rejectDocument(sourceUri, { reason: 'UNREADABLE', cause: 'not a file' });
    if (info.size > maxBytes) return rejectDocument(sourceUri, { reason: 'TOO_LARGE', bytes: info.size, maxBytes });
    const bytes = await fd.readFile();
    if (bytes.length > maxBytes)
      return rejectDocument(sourceUri, { reason: 'TOO_LARGE', bytes: bytes.length, maxBytes });
    return { ok: true, sourceUri, bytes };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && UNREADABLE_CODES.has(code))
      return rejectDocument(sourceUri, { reason: 'UNREADABLE', cause: code });
    throw err;
  } finally {
    await fd?.close();
  }
}
