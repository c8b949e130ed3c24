import type { Pool } from 'pg';
import type { EmbedderRegistry } from '../../adapters/embed/embedder-registry';
import type { QueryEmbeddingCache } from '../../adapters/embed/query-embedding-cache';
import type { ChatModel } from '../../adapters/llm/chat-model';
import type { VectorStore } from '../../adapters/milvus/vector-store';
import type { LexicalLeg } from '../../contracts/search';
import type { ToolPolicyOverrides } from '../../contracts/tool-policy';

export interface ChatDeps {
  db: Pool;
  vectors: VectorStore;
  embedders: EmbedderRegistry;
  queryCache: QueryEmbeddingCache;
  /** Undefined when no OpenAI-compatible endpoint is configured: the extractive path answers. */
  llm: ChatModel | undefined;
  collectionPrefix: string;
  /** Tool policies that differ from the defaults (`MEMFLOW_TOOL_POLICY`). */
  toolPolicies: ToolPolicyOverrides;
  /** Long-term memories one tenant may hold (`MEMFLOW_MEMORY_CAP`). */
  memoryCap: number;
  /** Where a search's lexical leg comes from (`MEMFLOW_LEXICAL_LEG`). */
  lexicalLeg: LexicalLeg;
}
