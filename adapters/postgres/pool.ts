import os from 'node:os';
import type { ClientConfig } from 'pg';
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

/** Describes where a connection string points, without its password. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}/${u.pathname.replace(/^\//, '')}`;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);

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
