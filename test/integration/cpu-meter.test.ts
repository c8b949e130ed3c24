import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { connectionConfig } from '../../adapters/postgres/pool';
import { countDatabaseAsOwn, postgresBackends, startCpuMeter } from '../../bench/support/cpu-meter';
import { createOwnDatabase } from '../support/own-database';

/**
 * A turn's lexical leg runs in PostgreSQL, so a benchmark's meter counts the server processes of its
 * own database as its own CPU, not as other load (which would make a quiet run look noisy). Checked
 * with a real server process: found by its title, and its CPU lands in the right bucket.
 */
describe("CPU meter: the benchmark's own database", () => {
  let database: Awaited<ReturnType<typeof createOwnDatabase>>;
  let client: pg.Client;
  let backendPid: number;

  before(async () => {
    database = await createOwnDatabase('cpumeter');
    client = new pg.Client(connectionConfig(database.url));
    await client.connect();
    backendPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  });
  after(async () => {
    await client?.end();
    await database?.drop();
  });

  /** Keeps the server process busy for a while (a few hundred ms of CPU). */
  const burn = () => client.query('SELECT count(*) FROM generate_series(1, 4000000) g WHERE g % 7 = 3');

  test("finds the database's server processes by their title, and only that database's", () => {
    assert.ok(postgresBackends(new Set([database.name])).includes(backendPid));
    assert.ok(!postgresBackends(new Set([`${database.name}_other`])).includes(backendPid));
    assert.deepEqual(postgresBackends(new Set()), []);
  });

  test('counts their CPU as its own once the database is registered, as other load before', async () => {
    const before = startCpuMeter([process.pid]);
    await burn();
    const unregistered = before.stop()!;

    const forget = countDatabaseAsOwn(database.name);
    try {
      const meter = startCpuMeter([process.pid]);
      await burn();
      const registered = meter.stop()!;
      // The same query both times: its CPU moves from the others' bucket to the benchmark's own.
      assert.ok(
        registered.ownSeconds >= unregistered.ownSeconds + 0.05,
        `own ${registered.ownSeconds}s registered vs ${unregistered.ownSeconds}s before`,
      );
      assert.ok(
        unregistered.otherSeconds >= 0.05,
        `the query's CPU counted as other before (${unregistered.otherSeconds}s)`,
      );
    } finally {
      forget();
    }
  });

  test('a server process that connects during the window counts whole', async () => {
    const forget = countDatabaseAsOwn(database.name);
    const late = new pg.Client(connectionConfig(database.url));
    try {
      const meter = startCpuMeter([process.pid]);
      await late.connect();
      await late.query('SELECT count(*) FROM generate_series(1, 4000000) g WHERE g % 7 = 3');
      const use = meter.stop()!;
      assert.ok(use.ownSeconds >= 0.05, `own ${use.ownSeconds}s`);
    } finally {
      await late.end();
      forget();
    }
  });
});
