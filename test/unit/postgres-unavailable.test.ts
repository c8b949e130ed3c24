import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from 'pg';
import { classified } from '../../activities/failures';
import { connectionConfig, isPostgresUnavailable } from '../../adapters/postgres/pool';
import { typedFailure } from '../../contracts/errors';
import { testConfig, uniqueName } from '../support/test-env';

/** What a real server answers, so the classification is checked against PostgreSQL's own errors. */
async function errorFrom(url: string, sql?: string): Promise<unknown> {
  const client = new Client(connectionConfig(url));
  try {
    await client.connect();
    if (sql) await client.query(sql);
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('PostgreSQL unavailable vs a failing query', () => {
  it('a refused connection, an ended session and a FATAL login error are "unavailable"', async () => {
    const missing = new URL(testConfig().postgres.url);
    missing.pathname = `/${uniqueName('absent')}`;
    const fatal = await errorFrom(missing.toString());
    assert.equal((fatal as { severity?: string }).severity, 'FATAL');
    assert.equal(isPostgresUnavailable(fatal), true);
    const refused = await errorFrom('postgres://nobody@127.0.0.1:1/none');
    assert.equal((refused as { code?: string }).code, 'ECONNREFUSED');
    assert.equal(isPostgresUnavailable(refused), true);
    assert.equal(isPostgresUnavailable({ code: '57P01', severity: 'FATAL' }), true, 'admin shutdown');
    assert.equal(isPostgresUnavailable({ code: '08006' }), true, 'connection failure');
    assert.equal(isPostgresUnavailable({ code: 'ECONNRESET' }), true);
  });

  it('a query error is not: it stays what it is', async () => {
    const divide = await errorFrom(testConfig().postgres.url, 'SELECT 1/0');
    assert.equal((divide as { code?: string }).code, '22012');
    assert.equal(isPostgresUnavailable(divide), false);
    assert.equal(isPostgresUnavailable({ code: '23505', severity: 'ERROR' }), false);
    assert.equal(isPostgresUnavailable(new Error('boom')), false);
    assert.equal(isPostgresUnavailable(undefined), false);
  });

  it("an activity meeting PostgreSQL down fails typed POSTGRES_UNREACHABLE, retryable; other errors don't", async () => {
    const refused = await errorFrom('postgres://nobody@127.0.0.1:1/none');
    const down = await classified(() => Promise.reject(refused))().catch((e: unknown) => e);
    assert.equal(typedFailure(down)?.code, 'POSTGRES_UNREACHABLE');
    assert.equal((down as { nonRetryable?: boolean }).nonRetryable, false);
    const divide = await errorFrom(testConfig().postgres.url, 'SELECT 1/0');
    assert.equal(await classified(() => Promise.reject(divide))().catch((e: unknown) => e), divide);
  });
});
