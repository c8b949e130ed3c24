/**
 * The results lines of every registered benchmark, each with its verdict (bench/report/qualify.ts),
 * and the one question the tables ask of them: the latest qualifying line that fits a row.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchmarkEntry, BenchmarkName } from './registry';
import { BENCHMARKS } from './registry';
import type { BenchLine, ChangedSince, Verdict } from './qualify';
import { qualify } from './qualify';

export type LineVerdict = { lineNumber: number; date?: string; commit?: string } & (
  Verdict | { qualifies: false; reason: 'unreadable'; detail: string }
);

/** The raw text of bench/results/<benchmark>.jsonl for each benchmark (absent files: no lines). */
export type ResultsFiles = Partial<Record<BenchmarkName, string>>;

export function readResultsFiles(resultsDir: string): ResultsFiles {
  const files: ResultsFiles = {};
  for (const { name } of BENCHMARKS) {
    const file = path.join(resultsDir, `${name}.jsonl`);
    if (fs.existsSync(file)) files[name] = fs.readFileSync(file, 'utf8');
  }
  return files;
}

export interface ResultsIndex {
  /** Every line of every benchmark with its verdict, in file order. */
  verdicts: Record<BenchmarkName, LineVerdict[]>;
  /**
   * The latest qualifying line of `benchmark` (by its start date; a later line wins a tie) for
   * which `fits` holds; undefined: that row is not measured.
   */
  latest(benchmark: BenchmarkName, fits?: (line: BenchLine) => boolean): BenchLine | undefined;
}

export function indexResults(files: ResultsFiles, changedSince: ChangedSince): ResultsIndex {
  const verdicts = {} as Record<BenchmarkName, LineVerdict[]>;
  for (const entry of BENCHMARKS) {
    const { name, paths } = entry;
    verdicts[name] = (files[name] ?? '').split('\n').flatMap((text, i): LineVerdict[] => {
      if (text.trim() === '') return [];
      const lineNumber = i + 1;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (err) {
        return [{ lineNumber, qualifies: false, reason: 'unreadable', detail: (err as Error).message }];
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        return [{ lineNumber, qualifies: false, reason: 'unreadable', detail: 'not a JSON object' }];
      const record = raw as Record<string, unknown>;
      const about = {
        lineNumber,
        ...(typeof record.date === 'string' ? { date: record.date } : {}),
        ...(typeof record.commit === 'string' ? { commit: record.commit } : {}),
      };
      return [
        {
          ...about,
          ...qualify(record, lineNumber, paths, changedSince, {
            requiresQuiet: (entry as BenchmarkEntry).requiresQuiet ?? true,
          }),
        },
      ];
    });
  }
  return {
    verdicts,
    latest(benchmark, fits = () => true) {
      let best: BenchLine | undefined;
      for (const v of verdicts[benchmark]) {
        if (!v.qualifies || !fits(v.line)) continue;
        if (!best || Date.parse(v.line.date) >= Date.parse(best.date)) best = v.line;
      }
      return best;
    },
  };
}
