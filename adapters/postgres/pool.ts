import os from 'node:os';
import type { ClientConfig, PoolClient } from 'pg';
import { Pool } from 'pg';
import { redactError, redactSecrets, urlSecrets } from '../../config/redact';
import { MemflowError, errorMessage } from '../../contracts/errors';

/** Like libpq: a URL without a user name connects as PGUSER or the OS user. */
export function connectionConfig(url: string): ClientConfig {
  const parsed = new URL(url);
  // pg's URL parser would override a separate `user` option with undefined, so it goes in the URL.
  if (!parsed.username) parsed.username = encodeURIComponent(process.env.PGUSER ?? os.userInfo().username);
  return { connectionString: parsed.toString(), connectionTimeoutMillis: 5000 };
}

/**
 * A pool that survives the server going away: an idle client whose connection the server ends
 * (a restart, `pg_terminate_backend`) emits `error` on the pool, which crashes the process without
 * a listener. The pool drops that client by itself and opens a new one on the next query; here the
 * error is only reported.
 */
export function createPool(url: string, max = 10, onIdleError: (err: Error) => void = () => undefined): Pool {
  const pool = new Pool({ ...connectionConfig(url), max });
  pool.on('error', onIdleError);
  return pool;
}

/**
 * Runs `fn` on a client checked out of the pool. A checked-out client whose server ends the
 * connection emits `error` with no listener of the pool's on it, which would crash the process;
 * here the error is caught, and such a client is destroyed on release instead of going back to the
 * pool.
 */
export async function withPoolClient<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => void (broken = err);
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (err) {
    if (!broken && isPostgresUnavailable(err)) broken = err as Error;
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/** `fn` inside BEGIN … COMMIT on one checked-out client; any error rolls back (when the connection still can). */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withPoolClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // A lost connection cannot roll back (the server already did): the first error is the one to report.
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/** Describes where a connection string points, without its password. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}/${u.pathname.replace(/^\//, '')}`;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);
/** Socket errors of a connection that was open: the server or the network went away under it. */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE']);
/**
 * node-postgres's own errors for a connection that ended or never came up. They carry no code, so
 * their fixed texts are all there is to tell them by (pg/lib/client.js, pg-pool/index.js).
 */
const DRIVER_CONNECTION_ERRORS = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
]);

/**
 * Whether an error from a query means PostgreSQL is not there to answer — refused, unreachable, or
 * ended the session — rather than that the query is wrong. A FATAL error ends the session by
 * definition (shutdown, a database not accepting connections, too many clients); SQLSTATE class 08
 * is a connection exception and 57P0x an operator or crash shutdown.
 */
export function isPostgresUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, severity } = err as { code?: unknown; severity?: unknown };
  if (typeof code === 'string' && (UNREACHABLE.has(code) || CONNECTION_LOST.has(code))) return true;
  if (severity === 'FATAL') return true;
  if (err instanceof Error && DRIVER_CONNECTION_ERRORS.has(err.message)) return true;
  return typeof code === 'string' && (code.startsWith('08') || /^57P0[1-3]$/.test(code));
}

/**
 * The typed, retryable error for a query that met PostgreSQL down. The server's message names the
 * database at most; the URL (with its credentials) is not in it.
 */
export function postgresUnavailable(err: unknown): MemflowError {
  const code = (err as { code?: string }).code;
  return new MemflowError(
    'POSTGRES_UNREACHABLE',
    `PostgreSQL is unavailable${code ? ` (${code})` : ''}: ${errorMessage(err)}. The step is retried; ` +
      'if it persists, check that PostgreSQL is running and accepting connections.',
    { cause: err },
  );
}

/**
 * Turns a connection failure into a typed error that says what to do. The driver's message and the
 * cause are redacted with the URL's credentials: this error may become an activity's failure, which
 * history records.
 */
export function postgresError(url: string, err: unknown): MemflowError {
  const code = (err as { code?: string }).code ?? '';
  const secrets = urlSecrets(url);
  const reason =
    UNREACHABLE.has(code) || /timeout/i.test(errorMessage(err)) ? 'is unreachable' : 'refused the connection';
  return new MemflowError(
    'POSTGRES_UNREACHABLE',
    `PostgreSQL at ${describeUrl(url)} ${reason} (${code || redactSecrets(errorMessage(err), secrets)}). ` +
      'Start PostgreSQL or point DATABASE_URL at a running server, e.g. postgres://user@host:5432/memflow.',
    { cause: redactError(err, secrets) },
  );
}
