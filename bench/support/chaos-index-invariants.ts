/**
 * What must hold after the chaos soak, about the stores: every ingest finished with no document
 * lost, the re-embed saga ended completed (or failed with every compensation done), the live alias
 * points where its `reindex_control` row says, no chunk collection is left over, and every chunk
 * collection holds exactly PostgreSQL's live chunks per tenant — each once.
 */
import type { Pool } from 'pg';
import { liveAlias } from '../../adapters/milvus/collection-names';
import type { MilvusVectorStore } from '../../adapters/milvus/milvus-store';
import { pageLiveChunks } from '../../adapters/postgres/document-registry';
import { liveIndex } from '../../adapters/postgres/vector-indexes';
import { storedChunkIds } from '../../test/support/stack-clients';
import type { IngestRoundLog } from './chaos-ingest';
import type { Invariant } from './chaos-invariants';
import { invariant } from './chaos-invariants';
import type { SagaLog } from './chaos-saga';

/** PostgreSQL's live chunk ids by tenant, and each live document's tenant. */
export async function liveChunksByTenant(
  db: Pool,
): Promise<{ chunks: Map<string, string[]>; docTenants: Map<string, string> }> {
  const chunks = new Map<string, string[]>();
  const docTenants = new Map<string, string>();
  for (let cursor = ''; ;) {
    const page = await pageLiveChunks(db, cursor, 1000);
    for (const c of page) {
      chunks.set(c.tenant, [...(chunks.get(c.tenant) ?? []), c.chunkId]);
      docTenants.set(c.docId, c.tenant);
    }
    if (page.length < 1000) break;
    cursor = page[page.length - 1]!.chunkId;
  }
  for (const ids of chunks.values()) ids.sort();
  return { chunks, docTenants };
}

/** Every ingest round finished, and no document of it failed. */
export function ingestsComplete(rounds: IngestRoundLog[]): Invariant {
  const problems: string[] = [];
  const counts = { rounds: rounds.length, documents: 0, changed: 0, skipped: 0, failed: 0, chunksWritten: 0 };
  for (const round of rounds) {
    if (!round.result) {
      problems.push(`${round.workflowId}: ${round.error ?? 'no result'}`);
      continue;
    }
    counts.documents += round.result.documentsTotal;
    counts.changed += round.result.changed;
    counts.skipped += round.result.skipped;
    counts.failed += round.result.failed;
    counts.chunksWritten += round.result.chunksWritten;
    for (const f of round.result.failures)
      problems.push(`${round.workflowId}: ${f.sourceUri}: ${f.reason}: ${f.message}`);
    if (round.result.failed > round.result.failures.length)
      problems.push(`${round.workflowId}: ${round.result.failed} documents failed`);
  }
  return invariant('every ingest complete', counts, problems);
}

/** The saga ended `completed`, or `failed` with every compensation done; its row says the same. */
export function sagaEnded(saga: SagaLog | undefined): Invariant {
  if (!saga) return invariant('saga ended cleanly', { outcome: 'not run' }, []);
  const problems: string[] = [];
  const row = saga.row;
  if (saga.error) problems.push(saga.error);
  if (saga.outcome === 'completed' && row?.status !== 'completed')
    problems.push(`the saga completed but its row says ${row?.status}`);
  if (saga.outcome === 'failed') {
    if (row?.status !== 'failed') problems.push(`the saga failed but its row says ${row?.status}`);
    const undone = (row?.compensations ?? []).filter((c) => !c.ok);
    for (const c of undone) problems.push(`compensation "${c.name}" failed: ${c.error}`);
  }
  if (!['completed', 'failed'].includes(saga.outcome)) problems.push(`the saga ended ${saga.outcome}`);
  return invariant(
    'saga ended cleanly',
    {
      outcome: saga.outcome,
      row: row?.status ?? '-',
      compensations: row?.compensations?.length ?? 0,
      ...(row?.error ? { reason: row.error.slice(0, 120) } : {}),
    },
    problems,
  );
}

/**
 * The collections that must exist: the live one (the saga's target once it cut over, else the one
 * live before it) and, during retention, the previous one.
 */
export function expectedCollections(saga: SagaLog | undefined, liveBefore: string): { live: string; all: string[] } {
  const row = saga?.row;
  const cutOver = row && (row.status === 'completed' || row.status === 'retaining') && row.collection;
  const live = cutOver ? row.collection! : liveBefore;
  const retained = row?.status === 'retaining' && row.previousCollection ? [row.previousCollection] : [];
  return { live, all: [live, ...retained] };
}

/** The live alias points at the collection the saga's row says is live, and so does `vector_indexes`. */
export async function aliasWhereRowSays(
  db: Pool,
  vectors: MilvusVectorStore,
  prefix: string,
  expected: { live: string; all: string[] },
): Promise<Invariant> {
  const alias = await vectors.resolveAlias(liveAlias(prefix));
  const registered = (await liveIndex(db))?.collection;
  const problems: string[] = [];
  if (alias !== expected.live) problems.push(`the alias points at ${alias}, the row says ${expected.live}`);
  if (registered !== expected.live)
    problems.push(`vector_indexes says ${registered} is live, the row ${expected.live}`);
  const leftovers = (await vectors.listCollections(`${prefix}_chunks_`)).filter((c) => !expected.all.includes(c));
  for (const c of leftovers) problems.push(`collection ${c} is left over`);
  return invariant('alias where the row says', { alias: alias ?? '-', leftovers: leftovers.length }, problems);
}

/**
 * In every collection that must exist, each tenant's rows are exactly PostgreSQL's live chunks of
 * that tenant: none missing, none extra (an old version not deleted), no id twice, and no rows of
 * a tenant PostgreSQL does not know.
 */
export async function chunksMatchRegistry(
  vectors: MilvusVectorStore,
  collections: string[],
  live: Map<string, string[]>,
): Promise<{ counts: Invariant; duplicates: Invariant }> {
  const problems: string[] = [];
  const duplicates: string[] = [];
  const counts: Record<string, number> = { registry: [...live.values()].reduce((sum, ids) => sum + ids.length, 0) };
  for (const collection of collections) {
    let rows = 0;
    for (const [tenant, ids] of live) {
      const stored = await storedChunkIds(vectors, collection, tenant);
      rows += stored.length;
      const unique = new Set(stored);
      if (unique.size !== stored.length)
        duplicates.push(`${collection} ${tenant}: ${stored.length - unique.size} ids twice`);
      const registry = new Set(ids);
      const missing = ids.filter((id) => !unique.has(id));
      const extra = [...unique].filter((id) => !registry.has(id));
      if (missing.length > 0 || extra.length > 0)
        problems.push(
          `${collection} ${tenant}: ${ids.length} in PostgreSQL, ${stored.length} in Milvus ` +
            `(${missing.length} missing, e.g. ${missing[0] ?? '-'}; ${extra.length} extra, e.g. ${extra[0] ?? '-'})`,
        );
    }
    const total = await vectors.count(collection, { allTenants: true });
    if (total !== rows) problems.push(`${collection}: ${total} rows in all, ${rows} of known tenants`);
    counts[collection] = total;
  }
  return {
    counts: invariant('PostgreSQL chunks = Milvus rows', counts, problems),
    duplicates: invariant('no duplicate chunk ids', { collections: collections.length }, duplicates),
  };
}
