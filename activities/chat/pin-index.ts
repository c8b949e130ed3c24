import type { EmbeddingIdentity } from '../../adapters/milvus/vector-store';
import { ensureLiveIndex, liveAlias } from '../ingest/live-index';
import type { ChatDeps } from './chat-deps';

export interface PinnedIndex {
  collection: string;
  identity: EmbeddingIdentity;
}

/**
 * Resolves the live alias to its concrete collection at the start of a turn. The turn then
 * searches that collection only, so a re-embed cutover mid-turn cannot mix model versions.
 */
export async function pinIndex(deps: ChatDeps): Promise<PinnedIndex> {
  let collection = await deps.vectors.resolveAlias(liveAlias(deps.collectionPrefix));
  if (!collection) collection = (await ensureLiveIndex(deps)).collection;
  const info = await deps.vectors.describeCollection(collection);
  if (!info) throw new Error(`Collection ${collection} behind the live alias disappeared; retrying.`);
  return { collection: info.name, identity: info.identity };
}
