import type { SearchIndexInput, SearchIndexResult } from '../contracts/search';
import { TURN_PASSAGE_LIMIT, searchIndexInputSchema } from '../contracts/search';
import { parseWorkflowInput } from '../contracts/identifiers';
import { localStores } from './chat/step-proxies';

/**
 * The retriever exactly as a chat turn runs it — the same `retrieveChunks` step with the turn's
 * proxy, timeouts and retries: the live collection pinned, the tenant's filter built by code, live
 * versions only — for one query, with each passage's rank in the dense and BM25 legs. What
 * `memflow search` runs (and the retrieval evaluation, twice per question).
 */
export async function searchIndex(rawInput: SearchIndexInput): Promise<SearchIndexResult> {
  // Other SDKs and the `temporal` CLI can start it too: nothing runs before the input is valid.
  const input = parseWorkflowInput(searchIndexInputSchema, rawInput, 'searchIndex input');
  const limit = input.limit ?? TURN_PASSAGE_LIMIT;
  const { index, passages, memories, search } = await localStores.retrieveChunks({
    tenant: input.tenant,
    queries: [input.query],
    limit,
    legRanks: true,
  });
  return {
    tenant: input.tenant,
    query: input.query,
    limit,
    collection: index.collection,
    model: index.identity.model,
    lexical: search?.lexical ?? null,
    legDepth: search?.legDepth ?? limit * 2,
    hits: passages.map((p, i) => ({
      rank: i + 1,
      chunkId: p.chunkId,
      docId: p.docId,
      docVersion: p.docVersion,
      title: p.title,
      source: p.source,
      score: p.score,
      legs: p.legs ?? { dense: null, lexical: null },
    })),
    memories,
  };
}
