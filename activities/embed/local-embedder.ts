import path from 'node:path';
import { AutoModel, AutoTokenizer, env, mean_pooling } from '@huggingface/transformers';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { MemflowError } from '../../src/errors';
import { getEmbeddingModel, localModelProblems } from '../../src/models/embedding-models';
import type { Embedder } from './embedder';

export interface LocalEmbedderOptions {
  /** A registered model name or alias, e.g. `all-minilm-l6-v2`. */
  model: string;
  /** Folder laid out by `prepareLocalModels` (config.embedding.modelsDir). */
  modelsDir: string;
  /** Texts per forward pass. */
  batchSize?: number;
}

/**
 * Loads a registered ONNX embedding model with transformers.js, from disk only (remote models off).
 * Vectors are the mean of the token states over the attention mask, L2-normalized. Forward passes
 * run one at a time: ONNX Runtime already spreads one pass over the CPU cores.
 */
export async function createLocalEmbedder(options: LocalEmbedderOptions): Promise<Embedder> {
  const spec = getEmbeddingModel(options.model);
  const dir = path.resolve(options.modelsDir, spec.model);
  const problems = localModelProblems(options.modelsDir, spec.model);
  if (problems.length > 0) {
    throw new MemflowError(
      'MODEL_NOT_INSTALLED',
      `Embedding model ${spec.model} is not ready in ${dir}: ${problems.join('; ')}. ` +
        'Run `memflow stack up` to install it.',
    );
  }

  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  // An absolute path is read as a local folder, so the process-wide env.localModelPath stays untouched.
  const tokenizer: PreTrainedTokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  const model: PreTrainedModel = await AutoModel.from_pretrained(dir, {
    local_files_only: true,
    dtype: spec.dtype,
    device: 'cpu',
  });

  const batchSize = options.batchSize ?? 32;
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };

  async function embedBatch(texts: string[]): Promise<number[][]> {
    const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: spec.maxTokens }) as {
      attention_mask: Tensor;
    };
    const outputs = (await model(inputs)) as Record<string, Tensor | undefined>;
    const tokens = outputs[spec.tokenOutput];
    if (!tokens) {
      throw new MemflowError(
        'MODEL_NOT_INSTALLED',
        `Embedding model ${spec.model} has no output "${spec.tokenOutput}" (it has ${Object.keys(outputs).join(', ')}). ` +
          'Run `memflow stack up` to reinstall it.',
      );
    }
    const pooled = mean_pooling(tokens, inputs.attention_mask);
    const rows = pooled.tolist() as number[][];
    for (const t of Object.values(outputs)) t?.dispose();
    pooled.dispose();
    return rows.map((row) => {
      if (row.length !== spec.dim) {
        throw new MemflowError(
          'EMBEDDING_MISMATCH',
          `Embedding model ${spec.model} returned ${row.length} dimensions, expected ${spec.dim}.`,
        );
      }
      return normalize(row);
    });
  }

  return {
    identity: { model: spec.model, dim: spec.dim, metric: spec.metric },
    async embed(texts) {
      const vectors: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const batch = texts.slice(i, i + batchSize);
        vectors.push(...(await serialized(() => embedBatch(batch))));
      }
      return vectors;
    },
    countTokens(text) {
      return tokenizer.encode(text, { add_special_tokens: false }).length;
    },
    async close() {
      await serialized(() => model.dispose());
    },
  };
}

function normalize(vector: number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  return norm === 0 ? vector : vector.map((v) => v / norm);
}
