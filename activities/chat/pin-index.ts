import type { EmbeddingIdentity } from '../../contracts/embedding';
import { liveAlias } from '../../adapters/milvus/collection-names';
import { ensureLiveIndex } from '../ingest/live-index';
import type { ChatDeps } from './chat-deps';
import { MemflowError } from '../../contracts/errors';

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
  if (!info) throw new MemflowError('INDEX_UNAVAILABLE', `Collection ${collection} behind the live alias disappeared.`);
  return { collection: info.name, identity: info.identity };
}
