import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { percent } from '../../bench/report/format';
import { QUIET_OTHER_CPU_SHARE } from '../../bench/report/qualify';
import type { BenchmarkEntry } from '../../bench/report/registry';
import { BENCHMARKS, BOOKKEEPING } from '../../bench/report/registry';
import { buildReport } from '../../bench/report/report';
import { REPO_ROOT } from '../../config/config';

/**
 * The published figures stay what bench/results renders (`memflow bench report --check`, here so
 * that `npm test` fails on drift too), and the registry of measured paths stays complete.
 */

const benchScripts = fs
  .readdirSync(path.join(REPO_ROOT, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

test('README.md and bench/README.md hold exactly what `memflow bench report` renders from bench/results', async () => {
  const report = await buildReport(REPO_ROOT);
  const drift = report.documents.flatMap((d) => d.drift);
  assert.deepEqual(drift, [], `${drift.join('\n')}\nRun \`npx memflow bench report\` and commit the documents.`);
});

test('every benchmark is registered, writes its line with recordResult, and none is named report', () => {
  assert.ok(!benchScripts.includes('report'), '`memflow bench report` is the report, not a benchmark');
  for (const name of benchScripts) {
    assert.ok(
      BENCHMARKS.some((b) => b.name === name),
      `bench/${name}.ts has no entry in bench/report/registry.ts`,
    );
    const source = fs.readFileSync(path.join(REPO_ROOT, 'bench', `${name}.ts`), 'utf8');
    assert.ok(source.includes(`recordResult('${name}'`), `bench/${name}.ts must record its line with recordResult`);
  }
});

/** Files imported (values, not types) by `file`, relative to the repository. */
function imports(file: string): string[] {
  const source = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const found: string[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\s+(type\s+)?[^;'"]*?\bfrom\s+'(\.[^']+)'/g)) {
    if (m[1]) continue;
    const base = path.join(path.dirname(file), m[2]!);
    const resolved = ['.ts', '.js', '', '/index.ts']
      .map((ext) => base + ext)
      .find((f) => {
        const full = path.join(REPO_ROOT, f);
        return fs.existsSync(full) && fs.statSync(full).isFile();
      });
    assert.ok(resolved, `${file}: cannot resolve ${m[2]}`);
    found.push(resolved.split(path.sep).join('/'));
  }
  return found;
}

const covered = (file: string, paths: readonly string[]) =>
  paths.some((p) =>
    p.endsWith('/')
      ? file.startsWith(p)
      : p.includes('*')
        ? new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(file)
        : file === p,
  );

/** Folders outside the product: a benchmark's own code, the test support it borrows, the CLI's helpers. */
const TOOLING = ['bench/', 'test/', 'cli/'];

test("every file a benchmark imports is under the benchmark's measured paths", () => {
  const recorders = BENCHMARKS.flatMap((b) => ('script' in b ? [b.name] : []));
  for (const name of [...benchScripts, ...recorders]) {
    const entry = BENCHMARKS.find((b) => b.name === name)! as BenchmarkEntry;
    const start = entry.script ?? `bench/${name}.ts`;
    const seen = new Set<string>([start]);
    const queue = [start];
    const uncovered = new Set<string>();
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (!covered(file, entry.paths) && !BOOKKEEPING.includes(file)) uncovered.add(file);
      // Follow the tooling's imports; product code's own imports are covered by its folders.
      if (!TOOLING.some((t) => file.startsWith(t))) continue;
      for (const next of imports(file)) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    assert.deepEqual([...uncovered], [], `bench/report/registry.ts: ${name} imports files outside its paths`);
  }
});

test("bench/README.md states the report's quiet threshold", () => {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'bench', 'README.md'), 'utf8');
  assert.ok(text.includes(`at most ${percent(QUIET_OTHER_CPU_SHARE)} of the machine's CPU`));
});
