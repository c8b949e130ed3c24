import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { MemflowError } from '../contracts/errors';

export const POSTGRES_DOCS_PACKAGE = 'postgresql-doc-15';

/** Pages of the manual about routine maintenance: what `npm start` ingests to answer its question quickly. */
export const QUICK_SUBSET = [
  'maintenance.html',
  'routine-vacuuming.html',
  'routine-reindex.html',
  'logfile-maintenance.html',
  'sql-vacuum.html',
  'sql-analyze.html',
];

function run(command: string, args: string[], cwd: string): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return {
    ok: result.status === 0,
    output: `${result.error?.message ?? ''}${result.stdout ?? ''}${result.stderr ?? ''}`.trim(),
  };
}

/**
 * The PostgreSQL 15 manual as HTML (about 1,170 pages), from Debian's `postgresql-doc-15` package,
 * unpacked once into `<home>/corpus/postgres-docs/html`. Returns that folder.
 */
export function fetchPostgresDocs(config: MemflowConfig, log: (line: string) => void): string {
  const target = path.join(config.home, 'corpus', 'postgres-docs', 'html');
  if (fs.existsSync(path.join(target, 'index.html'))) return target;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-pgdoc-'));
  try {
    log(`fetching the Debian package ${POSTGRES_DOCS_PACKAGE}…`);
    let download = run('apt-get', ['download', POSTGRES_DOCS_PACKAGE], work);
    if (!download.ok && process.getuid?.() === 0) {
      run('apt-get', ['update', '-qq'], work); // package lists may be missing on a fresh machine
      download = run('apt-get', ['download', POSTGRES_DOCS_PACKAGE], work);
    }
    const deb = fs.readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!download.ok || !deb) {
      throw new MemflowError(
        'NOT_FOUND',
        `Could not download ${POSTGRES_DOCS_PACKAGE} with apt-get (${download.output.split('\n').slice(-2).join(' ')}). ` +
          'This corpus needs a Debian-based machine that reaches its package mirror; ingest your own documents with `memflow ingest` instead.',
      );
    }
    const unpacked = run('dpkg', ['-x', deb, 'x'], work);
    const html = path.join(work, 'x', 'usr', 'share', 'doc', POSTGRES_DOCS_PACKAGE, 'html');
    if (!unpacked.ok || !fs.existsSync(html)) {
      throw new MemflowError('NOT_FOUND', `Unpacking ${deb} failed: ${unpacked.output}`);
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.cpSync(html, `${target}.tmp`, { recursive: true });
    fs.renameSync(`${target}.tmp`, target);
    return target;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
