/**
 * The one rule for paths a caller names relative to a folder: a staged document's source URI, a
 * path inside a configured corpus root. Shared by the schemas (contracts/ingest.ts), the client
 * that stages files and the worker that resolves corpus paths, so all three refuse the same names.
 */

/** Longest relative path accepted, in characters. */
export const MAX_RELATIVE_PATH_CHARS = 1024;

export type RelativePathProblem =
  | { kind: 'malformed'; message: string }
  /** Absolute, or a `..` segment: it would name something outside the folder. */
  | { kind: 'escapes'; message: string }
  /** A dotfile or a dot-directory (`.env`, `.git/config`): never ingested. */
  | { kind: 'hidden'; message: string };

// Control characters are never part of a document name; a NUL would truncate it in C APIs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * What is wrong with `value` as a relative path, or `undefined` when it is a plain one: `/`
 * separators, no leading `/`, no empty, `.` or `..` segments, no segment starting with `.`, no
 * backslashes or control characters, at most 1,024 characters.
 */
export function relativePathProblem(value: string): RelativePathProblem | undefined {
  const shown = JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (value.length === 0) return { kind: 'malformed', message: 'The path is empty.' };
  if (value.length > MAX_RELATIVE_PATH_CHARS) {
    return { kind: 'malformed', message: `${shown} is longer than ${MAX_RELATIVE_PATH_CHARS} characters.` };
  }
  if (CONTROL_CHARS.test(value) || value.includes('\\')) {
    return { kind: 'malformed', message: `${shown} contains a backslash or a control character.` };
  }
  if (value.startsWith('/')) {
    return { kind: 'escapes', message: `${shown} is absolute; name a path relative to the folder.` };
  }
  const segments = value.split('/');
  if (segments.includes('..')) return { kind: 'escapes', message: `${shown} climbs out of the folder with "..".` };
  if (segments.some((s) => s === '' || s === '.')) {
    return { kind: 'malformed', message: `${shown} has an empty or "." segment; write it as a plain relative path.` };
  }
  if (segments.some((s) => s.startsWith('.'))) {
    return {
      kind: 'hidden',
      message: `${shown} names a hidden file or folder (a name starting with "."); those are never ingested.`,
    };
  }
  return undefined;
}
