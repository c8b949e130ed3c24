import type { RunStart } from './results';
import { runStart } from './results';

/** Command-line flags of the benchmarks: a bad flag is a usage error (exit 2), not a failed run. */
export class UsageError extends Error {}

/** An integer flag ≥ `min`, or `fallback` when the flag is absent. */
export function integer(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}.`);
  return n;
}

/**
 * Parses a benchmark's flags; on a bad flag prints the message and the usage line and returns
 * undefined (the caller exits 2).
 */
export function parseOrExplain<T>(parse: (argv: string[]) => T, usage: string): T | undefined {
  try {
    return parse(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
    return undefined;
  }
}

/**
 * What every benchmark's `main` starts with: its flags (undefined after a usage error: exit 2), a
 * `[bench]` logger on stderr, and the start time and load, which `recordResult` needs.
 */
export function startBench<T>(
  parse: (argv: string[]) => T,
  usage: string,
): { options: T; log: (line: string) => void; start: RunStart } | undefined {
  const options = parseOrExplain(parse, usage);
  if (options === undefined) return undefined;
  return { options, log: (line) => console.error(`[bench] ${line}`), start: runStart() };
}
