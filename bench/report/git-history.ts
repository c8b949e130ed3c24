/**
 * What the report asks git: whether a results line's commit is in HEAD's history, and whether a
 * benchmark's measured paths changed since it. Only HEAD's history counts, never other branches or
 * unreachable commits, so every full clone of the same commit renders the same tables.
 */
import { spawnSync } from 'node:child_process';
import type { ChangedSince } from './qualify';

function git(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`git ${args[0]} could not run: ${result.error.message}`);
  return result;
}

/**
 * Refuses a shallow clone: commits before its cut are missing, so runs measured there would read as
 * "not measured" here and the rendered tables would differ from a full clone's.
 */
export function assertFullHistory(cwd: string): void {
  const shallow = git(cwd, ['rev-parse', '--is-shallow-repository']);
  if (shallow.status !== 0) throw new Error(`Not a git checkout (${shallow.stderr.trim()}): bench report needs git.`);
  if (shallow.stdout.trim() === 'true') {
    throw new Error(
      'This clone is shallow: bench report needs the commits the results lines name. Run `git fetch --unshallow`.',
    );
  }
}

/** `changedSince` backed by the repository at `cwd`, with each answer cached. */
export function gitChangedSince(cwd: string): ChangedSince {
  const cache = new Map<string, boolean | undefined>();
  return (commit, paths) => {
    const key = `${commit}\0${paths.join('\0')}`;
    if (cache.has(key)) return cache.get(key);
    let answer: boolean | undefined;
    // Exit 0: an ancestor of HEAD (or HEAD itself); 1: not one; anything else: no such commit.
    if (git(cwd, ['merge-base', '--is-ancestor', commit, 'HEAD']).status === 0) {
      const diff = git(cwd, ['diff', '--quiet', commit, 'HEAD', '--', ...paths]);
      if (diff.status !== 0 && diff.status !== 1) throw new Error(`git diff failed: ${diff.stderr.trim()}`);
      answer = diff.status === 1;
    }
    cache.set(key, answer);
    return answer;
  };
}
