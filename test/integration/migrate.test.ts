import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pool } from 'pg';
import { dropDatabase, ensureDatabase } from '../../adapters/postgres/ensure-database';
import { migrate } from '../../adapters/postgres/migrate';
import { createPool } from '../../adapters/postgres/pool';
import { MemflowError } from '../../contracts/errors';
import { REINDEX_STATUSES } from '../../contracts/reindex';
import { testConfig, uniqueName } from '../support/test-env';

const config = testConfig();

describe('memflow migrate', () => {
  let url: string;
  let pool: Pool;
  before(async () => {
    const u = new URL(config.postgres.url);
    u.pathname = `/${uniqueName('migrate')}`;
    url = u.toString();
    assert.equal(await ensureDatabase(url), true);
    pool = createPool(url, 6);
  });
  after(async () => {
    await pool.end();
    await dropDatabase(url);
  });

  test('001 creates reindex_control exactly as specified, recorded in the ledger', async () => {
    const result = await migrate(pool, config.paths.migrations);
    assert.ok(result.applied.includes('001_reindex_control.sql'));
    const { rows } = await pool.query(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
       WHERE table_name = 'reindex_control' AND column_name IN ('id','target_version','requested_at','completed_at')
       ORDER BY ordinal_position`,
    );
    assert.deepEqual(
      rows.map((r) => [r.column_name, r.data_type, r.is_nullable]),
      [
        ['id', 'integer', 'NO'],
        ['target_version', 'text', 'NO'],
        ['requested_at', 'timestamp without time zone', 'YES'],
        ['completed_at', 'timestamp without time zone', 'YES'],
      ],
    );
    assert.match(rows[0].column_default, /nextval/);
    assert.match(rows[2].column_default, /now\(\)/);
    const inserted = await pool.query(`INSERT INTO reindex_control (target_version) VALUES ('m@v1') RETURNING *`);
    assert.equal(inserted.rows[0].completed_at, null);
    assert.ok(inserted.rows[0].requested_at instanceof Date);
    await assert.rejects(pool.query('INSERT INTO reindex_control (target_version) VALUES (NULL)'));
  });

  test('re-running applies nothing; concurrent runs apply each file once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-mig-'));
    for (const f of fs.readdirSync(config.paths.migrations))
      fs.copyFileSync(path.join(config.paths.migrations, f), path.join(dir, f));
    fs.writeFileSync(
      path.join(dir, '900_counter.sql'),
      'CREATE TABLE test_counter (n INT); INSERT INTO test_counter VALUES (1);',
    );
    const results = await Promise.all([migrate(pool, dir), migrate(pool, dir), migrate(pool, dir)]);
    assert.equal(results.filter((r) => r.applied.includes('900_counter.sql')).length, 1);
    assert.equal((await pool.query('SELECT count(*)::int AS n FROM test_counter')).rows[0].n, 1);
    const again = await migrate(pool, dir);
    assert.deepEqual(again.applied, []);

    fs.appendFileSync(path.join(dir, '900_counter.sql'), '\n-- edited');
    await assert.rejects(
      migrate(pool, dir),
      (e: unknown) => e instanceof MemflowError && e.code === 'MIGRATION_CHANGED',
    );
    fs.rmSync(dir, { recursive: true });
  });

  test('a failing migration rolls back entirely and is not recorded', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-mig-'));
    for (const f of fs.readdirSync(config.paths.migrations))
      fs.copyFileSync(path.join(config.paths.migrations, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, '901_broken.sql'), 'CREATE TABLE half_done (n INT); SELECT no_such_function();');
    await assert.rejects(
      migrate(pool, dir),
      (e: unknown) => e instanceof MemflowError && e.code === 'MIGRATION_FAILED' && /901_broken/.test(e.message),
    );
    assert.equal((await pool.query(`SELECT to_regclass('half_done') AS t`)).rows[0].t, null);
    assert.equal(
      (await pool.query(`SELECT count(*)::int AS n FROM memflow_migrations WHERE name = '901_broken.sql'`)).rows[0].n,
      0,
    );
    fs.writeFileSync(path.join(dir, 'oops.sql'), 'SELECT 1');
    await assert.rejects(migrate(pool, dir), (e: unknown) => e instanceof MemflowError && /NNN_name/.test(e.message));
    fs.rmSync(dir, { recursive: true });
  });

  test('the row accepts exactly the shared status vocabulary, and one active run per target', async () => {
    await migrate(pool, config.paths.migrations);
    const { rows } = await pool.query(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'reindex_control_status_check'`,
    );
    const allowed = [...String(rows[0].def).matchAll(/'([a-z-]+)'::text/g)].map((m) => m[1]);
    assert.deepEqual(allowed.sort(), [...REINDEX_STATUSES].sort(), 'migration 004 and contracts/reindex.ts agree');
    await pool.query(`INSERT INTO reindex_control (target_version, status) VALUES ('slot@v', 'backfilling')`);
    await assert.rejects(
      pool.query(`INSERT INTO reindex_control (target_version, status) VALUES ('slot@v', 'requested')`),
      /reindex_control_one_active_target/,
    );
    await pool.query(`UPDATE reindex_control SET status = 'rolled-back' WHERE target_version = 'slot@v'`);
    await pool.query(`INSERT INTO reindex_control (target_version, status) VALUES ('slot@v', 'requested')`);
    await assert.rejects(
      pool.query(`INSERT INTO reindex_control (target_version, status) VALUES ('other@v', 'running')`),
      /reindex_control_status_check/,
      'the old vocabulary is refused',
    );
  });
});
