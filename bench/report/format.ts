/**
 * How the report writes what it read: markdown tables, numbers (a field a line lacks prints as
 * `?`, never as a number), and the provenance of the line a row came from.
 */
import type { BenchLine } from './qualify';

export const NOT_MEASURED = 'not measured';

export type Align = 'left' | 'right';

/** A markdown table; prettier aligns it afterwards (bench/report/render-docs.ts). */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: Align[],
): string {
  const cell = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: readonly string[]) => `| ${header.map((_, i) => cell(cells[i] ?? '')).join(' | ')} |`;
  const rule = header.map((_, i) => ((align?.[i] ?? (i === 0 ? 'left' : 'right')) === 'right' ? '--:' : '---'));
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** The value at `path` (dot-separated) inside a parsed JSON value, or undefined. */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A finite number at `path`, or undefined. */
export function numberAt(value: unknown, path: string): number | undefined {
  const n = at(value, path);
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** `n` with `digits` decimals; `?` for a missing value. */
export function fixed(n: number | undefined, digits = 1): string {
  return n === undefined ? '?' : n.toFixed(digits);
}

/** An integer with thousands separators (1,000). */
export function count(n: number | undefined): string {
  return n === undefined ? '?' : Math.round(n).toLocaleString('en-US');
}

export function percent(share: number | undefined): string {
  return share === undefined ? '?' : `${Math.round(share * 100)} %`;
}

/** A ratio such as `1.97×`. */
export function times(n: number | undefined): string {
  return n === undefined ? '?' : `${n.toFixed(2)}×`;
}

export function yesNo(met: boolean | undefined): string {
  return met === undefined ? '?' : met ? 'yes' : 'no';
}

/** "Intel(R) Xeon(R) Processor" → "Intel Xeon". */
export function cpuName(model: string): string {
  return (
    model
      .replace(/\((R|TM|tm|r)\)/g, '')
      .replace(/\b(Processor|CPU)\b/g, '')
      .replace(/\s+/g, ' ')
      .trim() || model
  );
}

const day = (iso: string) => iso.slice(0, 10);
const short = (commit: string) => commit.slice(0, 7);

/** The provenance of a row, for a table's `run` column: date, commit, CPU and cores, other CPU. */
export function runCell(line: BenchLine): string {
  const m = line.machine;
  const other = line.otherCpuShare === null ? 'other CPU not metered' : `other CPU ${percent(line.otherCpuShare)}`;
  return `${day(line.date)} · ${short(line.commit)} · ${cpuName(m.cpu)} ×${m.cores} · ${other}`;
}

/** The provenance of a table that comes from one line, as a sentence above it. */
export function runCaption(line: BenchLine, options: string): string {
  const m = line.machine;
  const gib = (m.totalMemoryMiB / 1024).toFixed(0);
  return (
    `Run of ${day(line.date)}, commit ${short(line.commit)}: ${cpuName(m.cpu)}, ${m.cores} cores, ${gib} GiB, Node ` +
    `${m.node}; load ${fixed(m.loadAverage1mAtStart, 2)} → ${fixed(m.loadAverage1mAtEnd, 2)}; ` +
    (line.otherCpuShare === null
      ? "other processes' CPU not metered (a quality measure)"
      : `other processes used ${percent(line.otherCpuShare)} of the CPU`) +
    `; ${count(line.elapsedSeconds)} s in all. ${options}`
  ).trim();
}

/** Options the way they were given on the command line, from a line's params. */
export function flags(params: Record<string, unknown>, names: Record<string, string>): string {
  const given = Object.entries(names).flatMap(([key, flag]) => {
    const v = params[key];
    if (v === undefined || v === null) return [];
    if (v === true) return [flag];
    if (v === false) return [];
    return [`${flag} ${Array.isArray(v) ? v.join(',') : String(v)}`];
  });
  return given.length > 0 ? `Options: \`${given.join(' ')}\`.` : '';
}
