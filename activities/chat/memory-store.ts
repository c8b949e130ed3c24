import crypto from 'node:crypto';
import type { Embedder } from '../../adapters/embed/embedder';
import { memoryCollection } from '../../adapters/milvus/collection-names';
import type { ChatDeps } from './chat-deps';

/** Long-term memory: short facts about a tenant's users, recalled by any later turn of that tenant. */
export async function memoryEmbedder(deps: ChatDeps): Promise<{ embedder: Embedder; collection: string }> {
  const embedder = await deps.embedders.get(deps.embedders.defaultModel);
  return { embedder, collection: memoryCollection(deps.collectionPrefix, embedder.identity.model) };
}

/**
 * Stores facts idempotently: ids derive from the request id and the fact, so a retried turn or a
 * replayed activity writes the same rows again instead of new ones.
 */
export async function storeMemories(
  deps: ChatDeps,
  input: { tenant: string; sessionId: string; requestId: string; facts: string[] },
): Promise<{ stored: number }> {
  if (input.facts.length === 0) return { stored: 0 };
  const { embedder, collection } = await memoryEmbedder(deps);
  await deps.vectors.createCollection(collection, embedder.identity);
  const vectors = await embedder.embed(input.facts);
  const rows = input.facts.map((fact, i) => ({
    id: `mem:${crypto.createHash('sha256').update(`${input.tenant}\n${input.requestId}\n${fact}`).digest('hex').slice(0, 32)}`,
    tenant: input.tenant,
    docId: 'memory',
    docVersion: 1,
    ordinal: i,
    text: fact,
    title: 'memory',
    source: `session:${input.sessionId}`,
    headingPath: input.requestId,
    embeddingModel: embedder.identity.model,
    vector: vectors[i]!,
  }));
  return { stored: await deps.vectors.upsert(collection, rows) };
}

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
  return hits.filter((h) => h.score > 0.3).map((h) => h.text ?? '');
}
