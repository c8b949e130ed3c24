import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../config/config';
import { usageError } from './parse-command';

/** `memflow bench <name> [options…]`: runs bench/<name>.ts, which prints a table and appends to bench/results/. */
export function benchCommand(argv: string[]): number {
  const available = fs
    .readdirSync(path.join(REPO_ROOT, 'bench'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''));
  const [name, ...rest] = argv;
  if (!name || !available.includes(name)) {
    throw usageError(
      `Usage: memflow bench <name> [options]; benchmarks: ${available.join(', ')} (see bench/README.md).`,
    );
  }
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'bench', `${name}.ts`), ...rest],
    { stdio: 'inherit', cwd: REPO_ROOT },
  );
  return result.status ?? 1;
}
