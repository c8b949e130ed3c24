/**
 * `memflow bench report [--check] [--json]`: renders the performance tables of README.md and
 * bench/README.md from bench/results/ (bench/report/qualify.ts says which runs count).
 *
 * Without `--check` it writes the documents and says, per benchmark, what its results file holds.
 * With `--check` it writes nothing and exits 1 when a committed document differs from the render
 * (CI runs it). `--json` prints the same as JSON on stdout. Exits 2 on a usage error.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../config/config';
import { BENCHMARKS } from './registry';
import type { Report } from './report';
import { buildReport } from './report';

const USAGE = 'Usage: memflow bench report [--check] [--json]';

function summary(report: Report) {
  return BENCHMARKS.map(({ name }) => {
    const verdicts = report.index.verdicts[name];
    const reasons: Record<string, number> = {};
    for (const v of verdicts) if (!v.qualifies) reasons[v.reason] = (reasons[v.reason] ?? 0) + 1;
    return {
      benchmark: name,
      lines: verdicts.length,
      qualifying: verdicts
        .filter((v) => v.qualifies)
        .map((v) => ({ lineNumber: v.lineNumber, date: v.date, commit: v.commit })),
      notQualifying: reasons,
    };
  });
}

async function main(): Promise<number> {
  let values: { check?: boolean; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: { check: { type: 'boolean' }, json: { type: 'boolean' } },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const report = await buildReport(REPO_ROOT);
  const drifted = report.documents.filter((d) => d.drift.length > 0);
  if (!values.check) for (const d of drifted) fs.writeFileSync(d.file, d.rendered);
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          check: values.check === true,
          documents: report.documents.map((d) => ({
            document: d.document,
            upToDate: d.drift.length === 0,
            ...(values.check ? { drift: d.drift } : { written: d.drift.length > 0 }),
          })),
          benchmarks: summary(report),
        },
        null,
        2,
      ),
    );
  } else {
    for (const b of summary(report)) {
      const why = Object.entries(b.notQualifying).map(([reason, n]) => `${n} ${reason}`);
      console.log(
        `${b.benchmark}: ${b.lines} runs, ${b.qualifying.length} qualifying${why.length ? `; ${why.join(', ')}` : ''}`,
      );
    }
    for (const d of report.documents) {
      const state = d.drift.length === 0 ? 'up to date' : values.check ? 'differs from the render' : 'rendered';
      console.log(`${d.document}: ${state}`);
    }
    if (values.check) for (const line of drifted.flatMap((d) => d.drift)) console.error(line);
    if (values.check && drifted.length > 0)
      console.error('Run `npx memflow bench report` and commit README.md and bench/README.md.');
  }
  return values.check && drifted.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench report: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
