import { Client } from 'pg';
import { connectionConfig, postgresError } from './pool';

/**
 * Connects to DATABASE_URL; when the database does not exist yet, creates it through the server's
 * `postgres` database. Returns true when it had to create it.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const probe = new Client(connectionConfig(url));
  try {
    await probe.connect();
    return false;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw postgresError(url, err);
  } finally {
    await probe.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client(connectionConfig(admin.toString()));
  try {
    await client.connect();
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '42P04') return false; // created concurrently
    throw postgresError(url, err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops a database (tests). Terminates leftover sessions first. */
export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client(connectionConfig(admin.toString()));
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
