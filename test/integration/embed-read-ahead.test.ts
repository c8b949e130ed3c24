import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Pool } from 'pg';
import type { Embedder } from '../../adapters/embed/embedder';
import type { EmbedderRegistry } from '../../adapters/embed/embedder-registry';
import type { ChunkRow, VectorStore } from '../../adapters/milvus/vector-store';
import { createPool } from '../../adapters/postgres/pool';
import { beginDocumentVersion } from '../../adapters/postgres/document-registry';
import { registerIndex } from '../../adapters/postgres/vector-indexes';
import type { EmbedDocumentsInput, PendingDocument } from '../../activities/ingest/embed-documents';
import { embedDocuments } from '../../activities/ingest/embed-documents';
import type { BackfillPageResult } from '../../activities/reindex/backfill';
import { backfillPage } from '../../activities/reindex/backfill';
import type { LiveIndexDeps } from '../../activities/ingest/live-index';
import { createOwnDatabase } from '../support/own-database';

/**
 * Ingestion and the re-embed backfill keep the embedding thread busy: the next page is read and
 * queued for embedding before the previous one is written to Milvus. These tests run the real
 * activities against a real registry (their own database) with an embedder and a vector store that
 * log what is asked of them, and check the order, that every chunk is written once and in order,
 * that a retry resumes after the last page written, and that a failed write ends the activity
 * with its error and leaves no rejection unhandled.
 */
const tenant = 't_read_ahead';
const identity = { model: 'log-embedder', dim: 2, metric: 'COSINE' as const };

/** Chunks per document: 70 is three pages of 32 (32, 32, 6). */
const CHUNKS_PER_DOC = [70, 5, 33];

interface Log {
  events: string[];
  upserted: ChunkRow[];
  /** Called as a failing embedding call throws. */
  onEmbedFailure?: () => void;
}

function loggingEmbedder(log: Log, fail?: { onCall: number }): Embedder {
  let calls = 0;
  return {
    identity,
    countTokens: (text) => text.length,
    embed: async (texts) => {
      const call = ++calls;
      // The text embedded carries title and headings too: the log names the page by its first chunk.
      log.events.push(`embed:${/d\d+c\d+/.exec(texts[0]!)![0]}`);
      await new Promise((resolve) => setImmediate(resolve));
      if (fail && call >= fail.onCall) {
        log.onEmbedFailure?.();
        throw new Error(`embedding call ${call} failed`);
      }
      return texts.map(() => [1, 0]);
    },
  };
}

function loggingVectors(log: Log, failUpsertCall?: number): VectorStore {
  let calls = 0;
  const vectors: Partial<VectorStore> = {
    upsert: async (_collection, rows) => {
      const call = ++calls;
      log.events.push(`upsert:${rows[0]!.text}`);
      if (call === failUpsertCall) throw new Error('Milvus refused the upsert');
      log.upserted.push(...rows);
      return rows.length;
    },
    deleteWhere: async () => 0,
  };
  return vectors as VectorStore;
}

function deps(db: Pool, log: Log, options: { failEmbedCall?: number; failUpsertCall?: number } = {}): LiveIndexDeps {
  const embedder = loggingEmbedder(log, options.failEmbedCall ? { onCall: options.failEmbedCall } : undefined);
  const embedders: EmbedderRegistry = {
    defaultModel: identity.model,
    get: async () => embedder,
    close: async () => undefined,
  };
  return { db, vectors: loggingVectors(log, options.failUpsertCall), embedders, collectionPrefix: 'unused' };
}

/** Chunk text `d<doc>c<ordinal>`: the log names each page by its first chunk. */
const chunkText = (doc: number, ordinal: number) => `d${doc}c${ordinal}`;

describe('embedding reads ahead of writing', () => {
  let database: Awaited<ReturnType<typeof createOwnDatabase>>;
  let db: Pool;
  const docs: PendingDocument[] = [];

  before(async () => {
    database = await createOwnDatabase('readahead');
    db = createPool(database.url, 2);
    await registerIndex(db, { collection: 'read_ahead_live', identity, state: 'live' });
    for (const [doc, count] of CHUNKS_PER_DOC.entries()) {
      const docId = `doc-${doc}`;
      const begun = await beginDocumentVersion(db, {
        tenant,
        docId,
        sourceUri: `file:///doc-${doc}.md`,
        title: `Document ${doc}`,
        kind: 'markdown',
        contentHash: `hash-${doc}`,
        chunksFor: (version) =>
          Array.from({ length: count }, (_, ordinal) => ({
            chunkId: `${docId}-v${version}-${String(ordinal).padStart(3, '0')}`,
            ordinal,
            text: chunkText(doc, ordinal),
            textHash: `h${doc}-${ordinal}`,
            tokenCount: 4,
            headingPath: '',
          })),
      });
      assert.equal(begun.state, 'pending');
      docs.push({ docId, version: begun.version, title: `Document ${doc}`, sourceUri: `file:///doc-${doc}.md` });
    }
  });
  after(async () => {
    await db.end();
    await database.drop();
  });

  const input = (): EmbedDocumentsInput => ({ tenant, docs });
  const allTexts = CHUNKS_PER_DOC.flatMap((count, doc) => Array.from({ length: count }, (_, o) => chunkText(doc, o)));
  /** The first chunk of each page of 32, per document, in order. */
  const pageStarts = CHUNKS_PER_DOC.flatMap((count, doc) =>
    Array.from({ length: Math.ceil(count / 32) }, (_, page) => chunkText(doc, page * 32)),
  );

  test('ingestion: page N+1 is queued for embedding before page N is written; every chunk once, in order', async () => {
    const log: Log = { events: [], upserted: [] };
    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => heartbeats.push(structuredClone(d)));
    const result = await env.run(embedDocuments, deps(db, log), input());

    assert.deepEqual(result, { chunksWritten: allTexts.length });
    assert.deepEqual(
      log.upserted.map((r) => r.text),
      allTexts,
    );
    assert.deepEqual(
      log.events.filter((e) => e.startsWith('upsert:')),
      pageStarts.map((s) => `upsert:${s}`),
    );
    for (let page = 0; page + 1 < pageStarts.length; page++) {
      const queuedNext = log.events.indexOf(`embed:${pageStarts[page + 1]}`);
      const written = log.events.indexOf(`upsert:${pageStarts[page]}`);
      assert.ok(
        queuedNext >= 0 && queuedNext < written,
        `page ${page + 1} queued before page ${page} written: ${log.events.join(' ')}`,
      );
    }
    // One heartbeat per page written, each after its write: the last names the last page.
    assert.equal(heartbeats.length, pageStarts.length);
    assert.deepEqual(heartbeats.at(-1), { doc: 2, afterOrdinal: 32, chunksWritten: allTexts.length });
  });

  test('ingestion: a retry resumes after the last page its heartbeat recorded', async () => {
    const log: Log = { events: [], upserted: [] };
    // The previous attempt wrote document 0 whole and document 1's only page: 75 chunks.
    const env = new MockActivityEnvironment({ heartbeatDetails: { doc: 1, afterOrdinal: 4, chunksWritten: 75 } });
    const result = await env.run(embedDocuments, deps(db, log), input());
    assert.deepEqual(result, { chunksWritten: allTexts.length });
    assert.deepEqual(
      log.upserted.map((r) => r.text),
      allTexts.slice(75),
    );
  });

  test('ingestion: a failed write fails the activity with its error; the page read ahead is abandoned quietly', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let embedFailed!: () => void;
      const abandonedPageFailed = new Promise<void>((resolve) => (embedFailed = resolve));
      const log: Log = { events: [], upserted: [], onEmbedFailure: () => embedFailed() };
      // The second write fails while the third page (read ahead) fails its embedding too.
      const env = new MockActivityEnvironment();
      await assert.rejects(
        env.run(embedDocuments, deps(db, log, { failUpsertCall: 2, failEmbedCall: 3 }), input()),
        /Milvus refused the upsert/,
      );
      assert.deepEqual(
        log.upserted.map((r) => r.text),
        allTexts.slice(0, 32),
      );
      assert.ok(log.events.includes(`embed:${pageStarts[2]}`), log.events.join(' '));
      // The page read ahead has failed its embedding; Node reports a rejection nobody handles at the
      // end of the tick it happened in, so one turn of the event loop later the list is complete.
      await abandonedPageFailed;
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('backfill: the next batch is queued before the previous is written; a page stops at its size', async () => {
    await db.query('UPDATE documents SET live_version = pending_version, pending_version = NULL WHERE tenant = $1', [
      tenant,
    ]);
    const log: Log = { events: [], upserted: [] };
    const env = new MockActivityEnvironment();
    const backfill = (afterChunkId: string, pageSize: number) =>
      env.run(backfillPage, deps(db, log), {
        collection: 'read_ahead_target',
        model: identity.model,
        afterChunkId,
        pageSize,
        batchSize: 16,
        throttleMs: 0,
      }) as Promise<BackfillPageResult>;
    const first = await backfill('', 40);
    assert.equal(first.processed, 40);
    assert.equal(first.done, false);
    const rest = await backfill(first.lastChunkId, 1000);
    assert.equal(rest.processed, allTexts.length - 40);
    assert.equal(rest.done, true);

    const written = log.upserted.map((r) => r.id);
    assert.equal(new Set(written).size, allTexts.length);
    assert.deepEqual(written, [...written].sort());
    const embeds = log.events.filter((e) => e.startsWith('embed:')).map((e) => e.slice(6));
    const upserts = log.events.filter((e) => e.startsWith('upsert:')).map((e) => e.slice(7));
    assert.deepEqual(embeds, upserts);
    // Within a page, batch k+1 is asked for before batch k is written.
    const firstPage = upserts.slice(0, 3);
    for (let k = 0; k + 1 < firstPage.length; k++) {
      assert.ok(
        log.events.indexOf(`embed:${firstPage[k + 1]}`) < log.events.indexOf(`upsert:${firstPage[k]}`),
        log.events.join(' '),
      );
    }
  });
});
