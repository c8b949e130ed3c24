import type { MemflowConfig } from '../../config/config';
import { OPENAI_DEFAULT_BASE_URL } from '../llm/openai-client';
import type { Embedder } from './embedder';
import { createOpenAiEmbedder } from './openai-embedder';
import { createThreadedLocalEmbedder } from './threaded-embedder';

/**
 * What the embedder factories read of `MemflowConfig`. `memoryArena` may be left out (off), so
 * callers that build the settings by hand need not know about it.
 */
export interface EmbedderSettings {
  embedding: Omit<MemflowConfig['embedding'], 'memoryArena'> & Partial<Pick<MemflowConfig['embedding'], 'memoryArena'>>;
  llm: MemflowConfig['llm'];
}

/**
 * The embedder the configuration asks for: a local ONNX model from `embedding.modelsDir` (run in a
 * worker thread, so embedding does not stall the caller's event loop), or the OpenAI-compatible
 * endpoint of `llm` (its dimension discovered by one probe call).
 */
export async function embedderFromConfig(config: EmbedderSettings): Promise<Embedder> {
  const { embedding, llm } = config;
  if (embedding.provider === 'local') {
    return createThreadedLocalEmbedder({
      model: embedding.model,
      modelsDir: embedding.modelsDir,
      intraOpThreads: embedding.threads,
      memoryArena: embedding.memoryArena,
    });
  }
  return createOpenAiEmbedder({
    baseURL: llm.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
    apiKey: llm.apiKey,
    model: embedding.model,
    timeoutMs: llm.timeoutMs,
  });
}
