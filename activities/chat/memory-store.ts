import crypto from 'node:crypto';
import type { Embedder } from '../../adapters/embed/embedder';
import { legacyMemoryCollection, memoryCollection } from '../../adapters/milvus/collection-names';
import type { ChatDeps } from './chat-deps';

/** Collections whose legacy predecessor this process has already moved (or found absent). */
const moved = new Map<string, Promise<void>>();

/** Long-term memory: short facts about a tenant's users, recalled by any later turn of that tenant. */
export async function memoryEmbedder(deps: ChatDeps): Promise<{ embedder: Embedder; collection: string }> {
  const embedder = await deps.embedders.get(deps.embedders.defaultModel);
  const collection = memoryCollection(deps.collectionPrefix, embedder.identity.model);
  const legacy = legacyMemoryCollection(deps.collectionPrefix, embedder.identity.model);
  let move = moved.get(collection);
  if (!move) {
    move = moveLegacyMemories(deps, embedder, legacy, collection);
    moved.set(collection, move);
    move.catch(() => moved.delete(collection)); // the next turn tries again
  }
  await move;
  return { embedder, collection };
}

/**
 * Memories stored before the tenant partition key (schema 1) move to the partitioned collection:
 * re-embedded page by page with their ids, tenants and provenance, then the old one is dropped.
 * Idempotent: an interrupted move upserts the same rows again.
 */
async function moveLegacyMemories(
  deps: ChatDeps,
  embedder: Embedder,
  legacy: string,
  collection: string,
): Promise<void> {
  if (!(await deps.vectors.describeCollection(legacy))) return;
  await deps.vectors.createCollection(collection, embedder.identity);
  for (let afterId = ''; ;) {
    const page = await deps.vectors.exportRows(legacy, { afterId, limit: 256 });
    if (page.length === 0) break;
    const vectors = await embedder.embed(page.map((m) => m.text ?? ''));
    await deps.vectors.upsert(
      collection,
      page.map((m, i) => ({ ...m, text: m.text ?? '', embeddingModel: embedder.identity.model, vector: vectors[i]! })),
    );
    afterId = page.at(-1)!.id;
  }
  await deps.vectors.dropCollection(legacy);
}

/** Where a remembered fact came from: the user's own words in that turn, or the model's reading of them. */
export type MemoryProvenance = 'user' | 'model';

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * `user` when every word of the fact is in the user's message of the same turn; otherwise the
 * planner produced it (possibly steered by retrieved or earlier text), and it is labelled `model`.
 */
export function provenanceOf(fact: string, userText: string): MemoryProvenance {
  const said = new Set(words(userText));
  return words(fact).every((w) => said.has(w)) ? 'user' : 'model';
}

/**
 * Stores facts idempotently: ids derive from the request id and the fact, so a retried turn or a
 * replayed activity writes the same rows again instead of new ones. Each row carries its
 * provenance (title) and the request that wrote it (heading path); a tenant at its cap stores no
 * more.
 */
export async function storeMemories(
  deps: ChatDeps,
  input: { tenant: string; sessionId: string; requestId: string; userText: string; facts: string[] },
): Promise<{ stored: number; refusedOverCap: number }> {
  if (input.facts.length === 0) return { stored: 0, refusedOverCap: 0 };
  const { embedder, collection } = await memoryEmbedder(deps);
  await deps.vectors.createCollection(collection, embedder.identity);
  const rows = input.facts.map((fact, i) => ({
    id: `mem:${crypto.createHash('sha256').update(`${input.tenant}\n${input.requestId}\n${fact}`).digest('hex').slice(0, 32)}`,
    tenant: input.tenant,
    docId: 'memory',
    docVersion: 1,
    ordinal: i,
    text: fact,
    title: `memory:${provenanceOf(fact, input.userText)}`,
    source: `session:${input.sessionId}`,
    headingPath: input.requestId,
    embeddingModel: embedder.identity.model,
  }));
  // A retried request rewrites its own rows; only new rows count against the cap.
  const existing = new Set(
    (
      await deps.vectors.query(collection, {
        tenant: input.tenant,
        filter: { ids: rows.map((r) => r.id) },
        limit: rows.length,
      })
    ).map((m) => m.id),
  );
  const held = await deps.vectors.count(collection, { tenant: input.tenant });
  const room = Math.max(0, deps.memoryCap - held);
  const fresh = rows.filter((r) => !existing.has(r.id));
  const kept = [...rows.filter((r) => existing.has(r.id)), ...fresh.slice(0, room)];
  if (kept.length === 0) return { stored: 0, refusedOverCap: fresh.length };
  const vectors = await embedder.embed(kept.map((r) => r.text));
  const stored = await deps.vectors.upsert(
    collection,
    kept.map((r, i) => ({ ...r, vector: vectors[i]! })),
  );
  return { stored, refusedOverCap: fresh.length - Math.min(fresh.length, room) };
}

/** Recalled memories, each labelled with where it came from, for the executor's prompt. */
export async function recallMemories(deps: ChatDeps, tenant: string, query: string, limit = 3): Promise<string[]> {
  const { embedder, collection } = await memoryEmbedder(deps);
  if (!(await deps.vectors.describeCollection(collection))) return [];
  const [vector] = await deps.queryCache.getOrEmbed(embedder, [query]);
  const hits = await deps.vectors.search({
    collection,
    tenant,
    vector: vector!,
    identity: embedder.identity,
    limit,
    includeText: true,
  });
  return hits
    .filter((h) => h.score > 0.3)
    .map((h) => (h.title === 'memory:model' ? `(inferred earlier, unconfirmed) ${h.text ?? ''}` : (h.text ?? '')));
}
