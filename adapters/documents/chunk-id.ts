import { createHash } from 'node:crypto';
import { normalizeSourceUri } from './source-uri';

/** Hex SHA-256 of raw bytes, or of a string's UTF-8 encoding. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hex SHA-256 of `text` as UTF-8: what decides whether a chunk changed between versions. */
export function textHash(text: string): string {
  return sha256Hex(text);
}

/** Hex characters kept in a document id: 96 bits, collision-free for any realistic corpus. */
const DOC_ID_HEX_CHARS = 24;

/** Hex characters of the text hash kept in a chunk id; the ordinal already makes ids unique per version. */
const CHUNK_HASH_HEX_CHARS = 16;

/**
 * A stable id for a document: the first 24 hex characters of SHA-256 over
 * `${tenant}\n${normalizeSourceUri(sourceUri)}`. It depends only on the tenant and the normalized
 * relative path, never on content, so re-ingesting an edited file replaces its old chunks, and two
 * tenants ingesting the same path get different ids.
 */
export function docIdFor(tenant: string, sourceUri: string): string {
  return sha256Hex(`${tenant}\n${normalizeSourceUri(sourceUri)}`).slice(0, DOC_ID_HEX_CHARS);
}

/** Hex characters of a staged document's id (contracts/ingest.ts STAGED_ID_PATTERN). */
const STAGED_ID_HEX_CHARS = 32;

/**
 * A staged document's id: the first 32 hex characters of SHA-256 over
 * `${tenant}\n${normalizeSourceUri(sourceUri)}\n${contentHash}`. Staging the same content under the
 * same name for the same tenant again gives the same id, so it is one row; another tenant never
 * shares it.
 */
export function stagedIdFor(tenant: string, sourceUri: string, contentHash: string): string {
  return sha256Hex(`${tenant}\n${normalizeSourceUri(sourceUri)}\n${contentHash}`).slice(0, STAGED_ID_HEX_CHARS);
}

/**
 * A chunk's id: `${docId}:${version}:${ordinal}:${first 16 hex of sha256(text)}`. Deterministic, so
 * a retried ingest activity upserts the same rows instead of duplicating them.
 */
export function chunkId(docId: string, version: number, ordinal: number, text: string): string {
  return `${docId}:${version}:${ordinal}:${textHash(text).slice(0, CHUNK_HASH_HEX_CHARS)}`;
}
