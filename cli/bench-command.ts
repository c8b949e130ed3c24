import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../config/config';
import { usageError } from './parse-command';

/** Not a benchmark: renders the documentation's tables from bench/results/ (bench/report/main.ts). */
const REPORT = 'report';

/**
 * `memflow bench <name> [options…]`: runs bench/<name>.ts, which prints a table and appends to
 * bench/results/. `memflow bench report [--check] [--json]` renders README.md's and
 * bench/README.md's performance tables from those results instead (no benchmark may be named so).
 */
export function benchCommand(argv: string[]): number {
  const available = fs
    .readdirSync(path.join(REPO_ROOT, 'bench'))
    .filter((f) => f.endsWith('.ts') && f !== `${REPORT}.ts`)
    .map((f) => f.replace(/\.ts$/, ''));
  const [name, ...rest] = argv;
  if (!name || (name !== REPORT && !available.includes(name))) {
    throw usageError(
      `Usage: memflow bench <name> [options] | memflow bench report [--check] [--json]; benchmarks: ${available.join(', ')} (see bench/README.md).`,
    );
  }
  const script =
    name === REPORT ? path.join(REPO_ROOT, 'bench', 'report', 'main.ts') : path.join(REPO_ROOT, 'bench', `${name}.ts`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...rest], {
    stdio: 'inherit',
    cwd: REPO_ROOT,
  });
  return result.status ?? 1;
}
