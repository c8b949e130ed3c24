import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { MemflowError, errorMessage } from '../../contracts/errors';
import { withPoolClient } from './pool';

/** Advisory lock key shared by every `memflow migrate` so two processes never apply the same file. */
const MIGRATION_LOCK_KEY = 4_771_203_911;
const FILE_PATTERN = /^(\d{3})_[a-z0-9_]+\.sql$/;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export function readMigrations(dir: string): MigrationFile[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const bad = files.filter((f) => !FILE_PATTERN.test(f));
  if (bad.length > 0) {
    throw new MemflowError('MIGRATION_FAILED', `Migration files must be named NNN_name.sql; rename: ${bad.join(', ')}`);
  }
  const numbers = new Set<string>();
  return files.sort().map((name) => {
    const number = name.slice(0, 3);
    if (numbers.has(number)) throw new MemflowError('MIGRATION_FAILED', `Two migrations are numbered ${number}.`);
    numbers.add(number);
    const sql = fs.readFileSync(path.join(dir, name), 'utf8');
    return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
  });
}

/**
 * Applies pending migrations in order. Each file runs in its own transaction together with its
 * ledger row; a session advisory lock makes concurrent runs wait for each other. An applied file
 * whose content changed is refused: migrations are append-only.
 */
export async function migrate(pool: Pool, dir: string): Promise<MigrationResult> {
  const migrations = readMigrations(dir);
  return withPoolClient(pool, async (client) => {
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await client.query(`CREATE TABLE IF NOT EXISTS memflow_migrations (
      name TEXT PRIMARY KEY,
      checksum TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
      const { rows } = await client.query<{ name: string; checksum: string }>(
        'SELECT name, checksum FROM memflow_migrations',
      );
      const ledger = new Map(rows.map((r) => [r.name, r.checksum]));
      const result: MigrationResult = { applied: [], alreadyApplied: [] };
      for (const migration of migrations) {
        const recorded = ledger.get(migration.name);
        if (recorded !== undefined) {
          if (recorded !== migration.checksum) {
            throw new MemflowError(
              'MIGRATION_CHANGED',
              `Migration ${migration.name} was changed after it was applied. Migrations are append-only: ` +
                'restore the file and add a new numbered migration instead.',
            );
          }
          result.alreadyApplied.push(migration.name);
          continue;
        }
        try {
          await client.query('BEGIN');
          await client.query(migration.sql);
          await client.query('INSERT INTO memflow_migrations (name, checksum) VALUES ($1, $2)', [
            migration.name,
            migration.checksum,
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new MemflowError('MIGRATION_FAILED', `Migration ${migration.name} failed: ${errorMessage(err)}`, {
            cause: err,
          });
        }
        result.applied.push(migration.name);
      }
      return result;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}

/** How many migrations the ledger lists; undefined when the database was never migrated. */
export async function appliedMigrationCount(pool: Pool): Promise<number | undefined> {
  try {
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM memflow_migrations');
    return Number(rows[0]?.n ?? 0);
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return undefined;
    throw err;
  }
}

/** The server's version, for health reports. */
export async function serverVersion(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ version: string }>(`SELECT current_setting('server_version') AS version`);
  return rows[0]?.version ?? '?';
}
