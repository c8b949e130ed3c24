import { getEmbeddingModel } from './embedding-models';
import type { Embedder } from './embedder';
import type { EmbedderSettings } from './embedder-from-config';
import { embedderFromConfig } from './embedder-from-config';
import { createThreadedLocalEmbedder } from './threaded-embedder';

/**
 * One loaded embedder per model, created on first use and shared by every activity in the worker.
 * During a re-embed, ingestion writes to two collections and so needs two models at once. Local
 * models each get their own embedding thread.
 */
export interface EmbedderRegistry {
  /** The configured default model (what a fresh index is built with). */
  readonly defaultModel: string;
  get(model: string): Promise<Embedder>;
  close(): Promise<void>;
}

export function createEmbedderRegistry(config: EmbedderSettings): EmbedderRegistry {
  const loaded = new Map<string, Promise<Embedder>>();
  const defaultModel =
    config.embedding.provider === 'local' ? getEmbeddingModel(config.embedding.model).model : config.embedding.model;
  return {
    defaultModel,
    get(model: string) {
      const name =
        model === defaultModel || config.embedding.provider !== 'local' ? model : getEmbeddingModel(model).model;
      let embedder = loaded.get(name);
      if (!embedder) {
        embedder =
          name === defaultModel
            ? embedderFromConfig(config)
            : createThreadedLocalEmbedder({
                model: name,
                modelsDir: config.embedding.modelsDir,
                intraOpThreads: config.embedding.threads,
                memoryArena: config.embedding.memoryArena,
              });
        embedder.catch(() => loaded.delete(name)); // a failed load is retried by the next call
        loaded.set(name, embedder);
      }
      return embedder;
    },
    async close() {
      const all = await Promise.allSettled(loaded.values());
      await Promise.allSettled(all.map((r) => (r.status === 'fulfilled' ? r.value.close?.() : undefined)));
      loaded.clear();
    },
  };
}
