/**
 * The documents a benchmark ingests: a folder given on the command line, else the PostgreSQL
 * manual (fetched once into `<home>/corpus/postgres-docs/html`), else synthetic Markdown generated
 * deterministically, so a machine without apt still gets a comparable run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expandPaths } from '../../client/expand-paths';
import type { MemflowConfig } from '../../config/config';
import { fetchPostgresDocs } from '../../cli/postgres-docs-corpus';
import { errorMessage } from '../../contracts/errors';

export interface BenchCorpus {
  /** `postgres-docs`, `synthetic-markdown` or the folder given. */
  name: string;
  dir: string;
  /** The first `docs` supported files of `dir`, sorted by path. */
  files: string[];
}

export interface CorpusOptions {
  /** A folder to use instead of the default corpus. */
  dir?: string;
  docs: number;
  /** Where synthetic documents are written when they are needed (a scratch folder). */
  scratchDir: string;
  log: (line: string) => void;
}

function firstFiles(dir: string, docs: number): string[] {
  return expandPaths([dir]).files.slice(0, docs);
}

/** Picks the corpus: `options.dir`, else the PostgreSQL manual, else synthetic Markdown. */
export function benchCorpus(base: MemflowConfig, options: CorpusOptions): BenchCorpus {
  if (options.dir !== undefined) {
    const dir = path.resolve(options.dir);
    return { name: path.basename(dir), dir, files: firstFiles(dir, options.docs) };
  }
  try {
    const dir = fetchPostgresDocs(base, options.log);
    return { name: 'postgres-docs', dir, files: firstFiles(dir, options.docs) };
  } catch (err) {
    options.log(`PostgreSQL manual unavailable (${errorMessage(err)}); generating synthetic Markdown instead`);
  }
  const dir = path.join(options.scratchDir, 'synthetic-markdown');
  writeSyntheticMarkdown(dir, options.docs);
  return { name: 'synthetic-markdown', dir, files: firstFiles(dir, options.docs) };
}

const WORDS = (
  'index vacuum tuple page buffer checkpoint replica snapshot transaction isolation lock planner ' +
  'statistics histogram partition trigger function schema table column constraint sequence cursor ' +
  'backup archive segment timeline standby primary latency throughput memory worker process queue ' +
  'tenant document chunk embedding vector cosine collection alias version registry heartbeat retry'
).split(' ');

/** xorshift32: the same seed always gives the same documents. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

function sentence(next: () => number): string {
  const length = 8 + Math.floor(next() * 14);
  const words = Array.from({ length }, () => WORDS[Math.floor(next() * WORDS.length)]!);
  const text = words.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

/**
 * Writes `count` Markdown documents of about 12 KB (a title, 6 sections of 4–7 paragraphs), the
 * size of a typical page of the PostgreSQL manual. Deterministic: same count, same bytes.
 */
export function writeSyntheticMarkdown(dir: string, count: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let doc = 0; doc < count; doc++) {
    const next = random(0x9e3779b9 ^ (doc + 1));
    const lines = [`# Synthetic document ${doc + 1}`, ''];
    for (let section = 0; section < 6; section++) {
      lines.push(`## ${sentence(next).slice(0, 40).replace(/\.$/, '')}`, '');
      const paragraphs = 4 + Math.floor(next() * 4);
      for (let p = 0; p < paragraphs; p++) {
        lines.push(Array.from({ length: 3 + Math.floor(next() * 4) }, () => sentence(next)).join(' '), '');
      }
    }
    fs.writeFileSync(path.join(dir, `doc-${String(doc + 1).padStart(4, '0')}.md`), lines.join('\n'));
  }
}
