import fs from 'node:fs';
import path from 'node:path';
import { SUPPORTED_EXTENSIONS } from '../adapters/documents';
import { MemflowError } from '../contracts/errors';

export interface ExpandedPaths {
  /** Absolute file paths, sorted, without duplicates. */
  files: string[];
  /**
   * The folder source URIs are relative to: the folder given, else the working directory, else
   * (files outside it) the deepest folder holding them all.
   */
  baseDir: string;
  /** Files inside given folders skipped for their extension (explicit files are never skipped). */
  ignored: number;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile()) out.push(full);
  }
}

const supported = (file: string) =>
  (SUPPORTED_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());

/**
 * Turns CLI arguments (files, folders, globs such as `docs/**\/*.md`) into a file list. Folders are
 * walked for supported document types; an explicit file is always included, so a bad one is
 * reported rather than silently skipped. Nothing matching is a typed error.
 */
export function expandPaths(args: string[], cwd = process.cwd()): ExpandedPaths {
  if (args.length === 0) throw new MemflowError('INVALID_INPUT', 'Name at least one file, folder or glob to ingest.');
  const files = new Set<string>();
  let ignored = 0;
  for (const arg of args) {
    const absolute = path.resolve(cwd, arg);
    if (/[*?]/.test(arg)) {
      const firstWild = absolute.search(/[*?]/);
      const root = absolute.slice(0, absolute.lastIndexOf('/', firstWild)) || '/';
      const pattern = globToRegExp(absolute);
      const all: string[] = [];
      if (fs.existsSync(root)) walk(root, all);
      for (const f of all) if (pattern.test(f)) files.add(f);
    } else if (fs.existsSync(absolute) && fs.statSync(absolute).isDirectory()) {
      const all: string[] = [];
      walk(absolute, all);
      for (const f of all) {
        if (supported(f)) files.add(f);
        else ignored += 1;
      }
    } else if (fs.existsSync(absolute)) {
      files.add(absolute);
    } else {
      throw new MemflowError('INVALID_INPUT', `${arg} does not exist. Check the path (relative to ${cwd}).`);
    }
  }
  if (files.size === 0) throw new MemflowError('INVALID_INPUT', `No documents found in ${args.join(', ')}.`);
  const single = args.length === 1 && !/[*?]/.test(args[0]!) && fs.statSync(path.resolve(cwd, args[0]!)).isDirectory();
  const sorted = [...files].sort();
  const baseDir = single
    ? path.resolve(cwd, args[0]!)
    : sorted.every((f) => isInside(cwd, f))
      ? cwd
      : commonFolder(sorted);
  return { files: sorted, baseDir, ignored };
}

/** Whether `file` lies below `dir` (both absolute). */
export function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
}

/** The deepest folder that holds every one of `files` (absolute paths). */
function commonFolder(files: string[]): string {
  let common = path.dirname(files[0]!);
  while (!files.every((f) => isInside(common, f))) common = path.dirname(common);
  return common;
}
