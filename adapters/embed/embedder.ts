import type { EmbeddingIdentity } from '../../contracts/embedding';
import type { EmbedPriority } from './priority-runner';

export interface EmbedOptions {
  /**
   * `interactive` (the default): someone waits for it, a chat turn's query. `bulk`: ingestion and
   * re-embedding batches, which a local model embeds after any interactive request queued
   * meanwhile. Hosted models ignore it.
   */
  priority?: EmbedPriority;
}

/**
 * Turns texts into vectors. Implementations: the local ONNX models (`local-embedder.ts`) and any
 * OpenAI-compatible endpoint (`openai-embedder.ts`). Activities take this interface; the worker
 * creates one at start and closes it on shutdown.
 */
export interface Embedder {
  /** What the vectors are: stored beside them so a model change is detected, never mixed. */
  readonly identity: EmbeddingIdentity;
  /** One vector of exactly `identity.dim` numbers per text, in order. */
  embed(texts: string[], options?: EmbedOptions): Promise<number[][]>;
  /** Tokens the model sees for `text`, special tokens excluded (for chunk sizing). */
  countTokens(text: string): number;
  close?(): Promise<void>;
}
