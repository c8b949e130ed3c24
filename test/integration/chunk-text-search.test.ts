import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pool } from 'pg';
import type { SearchHit, SearchRequest, VectorStore } from '../../adapters/milvus/vector-store';
import { searchChunkText } from '../../adapters/postgres/chunk-text-search';
import { activateDocumentVersion, beginDocumentVersion } from '../../adapters/postgres/document-registry';
import { createPool } from '../../adapters/postgres/pool';
import { rankedPassages } from '../../activities/chat/retrieve-chunks';
import { MemflowError } from '../../contracts/errors';
import { fusedScore } from '../../contracts/search';
import { createOwnDatabase } from '../support/own-database';

/**
 * Retrieval's default lexical leg: PostgreSQL full text over the registry's chunk text
 * (migrations/007, adapters/postgres/chunk-text-search.ts), in a database of this file's own with
 * the real migrations. Checked adversarially: another tenant's matching rows, pending and superseded
 * versions, filters, query text that looks like tsquery syntax or SQL, and bad input.
 */
const identity = { model: 'test-embedder', dim: 2, metric: 'COSINE' as const };

async function addDocument(
  db: Pool,
  doc: { tenant: string; docId: string; source: string; chunks: string[]; activate?: boolean },
): Promise<number> {
  const begun = await beginDocumentVersion(db, {
    tenant: doc.tenant,
    docId: doc.docId,
    sourceUri: doc.source,
    title: `Title of ${doc.docId}`,
    kind: 'markdown',
    contentHash: `hash-${doc.chunks.join('|')}`,
    chunksFor: (version) =>
      doc.chunks.map((text, ordinal) => ({
        // Chunk ids are unique across tenants (the product's embed the tenant's document id).
        chunkId: `${doc.tenant === 'acme' ? '' : `${doc.tenant}/`}${doc.docId}:${version}:${ordinal}`,
        ordinal,
        text,
        textHash: `h-${ordinal}-${text.length}`,
        tokenCount: 10,
        headingPath: `Heading ${ordinal}`,
      })),
  });
  assert.equal(begun.state, 'pending');
  if (doc.activate !== false) {
    await activateDocumentVersion(db, {
      tenant: doc.tenant,
      docId: doc.docId,
      version: begun.version,
      title: `Title of ${doc.docId}`,
      sourceUri: doc.source,
      kind: 'markdown',
    });
  }
  return begun.version;
}

describe('PostgreSQL full text: the lexical leg', () => {
  let database: Awaited<ReturnType<typeof createOwnDatabase>>;
  let db: Pool;

  before(async () => {
    database = await createOwnDatabase('fulltext');
    db = createPool(database.url, 2);
    await addDocument(db, {
      tenant: 'acme',
      docId: 'kettle',
      source: 'kettle.md',
      chunks: [
        'The Aurora kettle warranty lasts two years from the date of purchase.',
        'Descale the kettle every month with citric acid.',
        'Our office is closed on public holidays.',
      ],
    });
    await addDocument(db, {
      tenant: 'acme',
      docId: 'ferry',
      source: 'ferry.html',
      chunks: ['The winter ferry timetable: the first ferry leaves at 06:40.'],
    });
    // Another tenant's rows match the same words better (the word many times): never returned.
    await addDocument(db, {
      tenant: 'globex',
      docId: 'kettle',
      source: 'kettle.md',
      chunks: ['kettle warranty kettle warranty kettle warranty: globex secret'],
    });
    // A version being written is invisible until it becomes live.
    await addDocument(db, {
      tenant: 'acme',
      docId: 'draft',
      source: 'draft.md',
      chunks: ['Draft: the kettle warranty becomes five years.'],
      activate: false,
    });
  });
  after(async () => {
    await db?.end();
    await database?.drop();
  });

  test("finds the tenant's live chunks that share any word with the query, best first", async () => {
    const hits = await searchChunkText(db, { tenant: 'acme', text: 'How long is the kettle warranty?', limit: 10 });
    assert.deepEqual(
      hits.map((h) => h.id),
      ['kettle:1:0', 'kettle:1:1'],
      'both words, then one; the pending draft and the other tenant are absent',
    );
    assert.ok(hits[0]!.score > hits[1]!.score);
    assert.deepEqual(
      { ...hits[0]!, score: 0 },
      {
        id: 'kettle:1:0',
        tenant: 'acme',
        docId: 'kettle',
        docVersion: 1,
        ordinal: 0,
        title: 'Title of kettle',
        source: 'kettle.md',
        headingPath: 'Heading 0',
        score: 0,
      },
    );
    // Stemming: "descaling" finds "Descale".
    assert.deepEqual(
      (await searchChunkText(db, { tenant: 'acme', text: 'descaling', limit: 10 })).map((h) => h.id),
      ['kettle:1:1'],
    );
  });

  test("never returns another tenant's rows, whatever the query", async () => {
    const globex = await searchChunkText(db, { tenant: 'globex', text: 'kettle warranty secret', limit: 10 });
    assert.deepEqual(
      globex.map((h) => h.id),
      ['globex/kettle:1:0'],
    );
    assert.equal(globex[0]!.tenant, 'globex');
    const acme = await searchChunkText(db, { tenant: 'acme', text: 'globex secret', limit: 10 });
    assert.deepEqual(acme, []);
    await assert.rejects(
      searchChunkText(db, { tenant: "acme' OR '1'='1", text: 'kettle', limit: 10 }),
      (err: unknown) => err instanceof MemflowError && err.code === 'INVALID_INPUT',
    );
  });

  test('only the live version: a new version replaces the old one at activation', async () => {
    const v2 = await addDocument(db, {
      tenant: 'acme',
      docId: 'ferry',
      source: 'ferry.html',
      chunks: ['The summer ferry timetable: the first ferry leaves at 05:30.'],
    });
    const hits = await searchChunkText(db, { tenant: 'acme', text: 'ferry timetable', limit: 10 });
    assert.deepEqual(
      hits.map((h) => [h.id, h.docVersion]),
      [[`ferry:${v2}:0`, v2]],
    );
  });

  test('query text is words, never syntax: tsquery operators and SQL find what the words find', async () => {
    for (const text of ["kettle & !warranty | 'x':*", "kettle'); DROP TABLE chunks; --", 'kettle <-> (warranty']) {
      const hits = await searchChunkText(db, { tenant: 'acme', text, limit: 10 });
      assert.ok(
        hits.some((h) => h.id === 'kettle:1:0'),
        `${text}: ${JSON.stringify(hits.map((h) => h.id))}`,
      );
    }
    assert.deepEqual(await searchChunkText(db, { tenant: 'acme', text: 'the of and ?!', limit: 10 }), []);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks');
    assert.ok(rows[0]!.n > 0, 'the table is still there');
  });

  test('filters narrow it like the dense leg: ids, documents, sources, versions; an empty set finds nothing', async () => {
    const search = (filter: object) =>
      searchChunkText(db, { tenant: 'acme', text: 'kettle ferry warranty', limit: 10, filter }).then((hits) =>
        hits.map((h) => h.id).sort(),
      );
    assert.deepEqual(await search({ docIds: ['kettle'] }), ['kettle:1:0', 'kettle:1:1']);
    assert.deepEqual(await search({ sources: ['ferry.html'] }), ['ferry:2:0']);
    assert.deepEqual(await search({ ids: ['kettle:1:1', 'ferry:2:0'] }), ['ferry:2:0', 'kettle:1:1']);
    assert.deepEqual(await search({ docVersions: [2] }), ['ferry:2:0']);
    assert.deepEqual(await search({ docIds: [] }), []);
    await assert.rejects(search({ docVersions: [] }), /docVersions must be a non-empty list/);
  });

  test('refuses a bad limit or oversized text with INVALID_INPUT', async () => {
    for (const request of [
      { tenant: 'acme', text: 'kettle', limit: 0 },
      { tenant: 'acme', text: 'kettle', limit: 1.5 },
      { tenant: 'acme', text: 'kettle', limit: 1001 },
      { tenant: 'acme', text: 'x'.repeat(20_001), limit: 5 },
    ]) {
      await assert.rejects(
        searchChunkText(db, request),
        (err: unknown) => err instanceof MemflowError && err.code === 'INVALID_INPUT',
        JSON.stringify(request).slice(0, 80),
      );
    }
  });

  test("rankedPassages fuses it with the collection's dense leg: a chunk only the text found is a passage", async () => {
    const asked: SearchRequest[] = [];
    // The dense leg (a stand-in for Milvus) finds the office chunk only, and one of globex's ids
    // under acme's name would be refused by the store; here it returns acme's rows only.
    const denseHit: SearchHit = {
      id: 'kettle:1:2',
      tenant: 'acme',
      docId: 'kettle',
      docVersion: 1,
      ordinal: 2,
      title: 'Title of kettle',
      source: 'kettle.md',
      headingPath: 'Heading 2',
      embeddingModel: identity.model,
      score: 0.9,
    };
    const vectors = {
      search: async (request: SearchRequest) => {
        asked.push(request);
        return [denseHit];
      },
    } as unknown as VectorStore;
    const search = {
      collection: 'c',
      identity,
      tenant: 'acme',
      queries: ['kettle warranty'],
      vectors: [[1, 0]],
      limit: 8,
    };
    const ranked = await rankedPassages({ db, vectors, lexicalLeg: 'postgres' }, search);
    assert.equal(asked.length, 1);
    assert.equal(
      asked[0]!.hybridText,
      undefined,
      "the store is asked for the dense leg only: Milvus's BM25 is not run",
    );
    const byId = new Map(ranked.map((h) => [h.id, h]));
    assert.deepEqual(byId.get('kettle:1:0')?.legs, { dense: null, lexical: 1 });
    assert.deepEqual(byId.get('kettle:1:2')?.legs, { dense: 1, lexical: null });
    for (const h of ranked) assert.equal(h.score, fusedScore(h.legs));
    assert.ok(ranked.every((h) => h.tenant === 'acme'));

    // `milvus`: the store's own BM25 is asked for, and no full-text leg is added.
    asked.length = 0;
    const milvus = await rankedPassages({ db, vectors, lexicalLeg: 'milvus' }, search);
    assert.equal(asked[0]!.hybridText, 'kettle warranty');
    assert.deepEqual(
      milvus.map((h) => h.id),
      ['kettle:1:2'],
    );
  });
});
