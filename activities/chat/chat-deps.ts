import type { Pool } from 'pg';
import type { EmbedderRegistry } from '../../adapters/embed/embedder-registry';
import type { QueryEmbeddingCache } from '../../adapters/embed/query-embedding-cache';
import type { ChatModel } from '../../adapters/llm/chat-model';
import type { VectorStore } from '../../adapters/milvus/vector-store';

export interface ChatDeps {
  db: Pool;
  vectors: VectorStore;
  embedders: EmbedderRegistry;
  queryCache: QueryEmbeddingCache;
  /** Undefined when no OpenAI-compatible endpoint is configured: the extractive path answers. */
  llm: ChatModel | undefined;
  collectionPrefix: string;
}
