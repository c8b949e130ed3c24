import { AutoModel, AutoTokenizer, env, mean_pooling } from '@huggingface/transformers';
import type { PreTrainedModel, PreTrainedTokenizer, PretrainedModelOptions, Tensor } from '@huggingface/transformers';
import { Mutex } from 'async-mutex';
import { MemflowError } from '../../contracts/errors';
import type { Embedder } from './embedder';
import type { LocalModel } from './local-model';
import { resolveLocalModel } from './local-model';

export interface LocalEmbedderOptions {
  /** A registered model name or alias, e.g. `all-minilm-l6-v2`. */
  model: string;
  /** Folder laid out by `prepareLocalModels` (config.embedding.modelsDir). */
  modelsDir: string;
  /** Texts per forward pass. */
  batchSize?: number;
  /**
   * ONNX Runtime intra-op threads for one forward pass (the calling thread included). Unset: ONNX
   * Runtime's default, one per physical core, pinned to cores.
   */
  intraOpThreads?: number;
  /**
   * Keep ONNX Runtime's CPU memory arena and memory-pattern planning (its own defaults): faster
   * batches, much more RSS. Off unless set; see `onnxSessionOptions`.
   */
  memoryArena?: boolean;
}

/**
 * ONNX Runtime session options of a local model. Without `memoryArena` the CPU memory arena and
 * memory patterns are off, trading speed for memory: with them, ONNX Runtime keeps the high-water
 * mark of the largest forward pass for the life of the session, which after ingestion batches is
 * more than the worker's whole memory budget; without, each pass allocates and frees its own
 * tensors, so batches embed slower (bench/README.md, embed-thread `--arena`).
 */
export function onnxSessionOptions(
  options: Pick<LocalEmbedderOptions, 'intraOpThreads' | 'memoryArena'>,
): NonNullable<PretrainedModelOptions['session_options']> {
  return {
    ...(options.intraOpThreads === undefined ? {} : { intraOpNumThreads: options.intraOpThreads }),
    ...(options.memoryArena === true ? {} : { enableCpuMemArena: false, enableMemPattern: false }),
  };
}

/** Points transformers.js at local files only: models are installed by `memflow stack up`, never downloaded. */
export function useLocalModelsOnly(): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
}

/** The model's tokenizer, read from its folder (an absolute path, so env.localModelPath stays untouched). */
export async function loadLocalTokenizer(model: LocalModel): Promise<PreTrainedTokenizer> {
  useLocalModelsOnly();
  return AutoTokenizer.from_pretrained(model.dir, { local_files_only: true });
}

/**
 * Loads a registered ONNX embedding model with transformers.js, from disk only (remote models off).
 * Vectors are the mean of the token states over the attention mask, L2-normalized. Forward passes
 * run one at a time: ONNX Runtime already spreads one pass over the CPU cores.
 *
 * A forward pass runs synchronously on the calling thread: in the Temporal worker's main thread it
 * stalls the event loop for seconds. Workers use `createThreadedLocalEmbedder`, which runs this
 * one in a worker thread.
 */
export async function createLocalEmbedder(options: LocalEmbedderOptions): Promise<Embedder> {
  const local = resolveLocalModel(options);
  const { spec } = local;
  const tokenizer: PreTrainedTokenizer = await loadLocalTokenizer(local);
  useLocalModelsOnly();
  const model: PreTrainedModel = await AutoModel.from_pretrained(local.dir, {
    local_files_only: true,
    dtype: spec.dtype,
    device: 'cpu',
    session_options: onnxSessionOptions(options),
  });

  const batchSize = options.batchSize ?? 32;
  /** One batch at a time through the model, and closing waits for the batch in flight. */
  const session = new Mutex();

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
        vectors.push(...(await session.runExclusive(() => embedBatch(batch))));
      }
      return vectors;
    },
    countTokens(text) {
      return tokenizer.encode(text, { add_special_tokens: false }).length;
    },
    async close() {
      await session.runExclusive(() => model.dispose());
    },
  };
}

function normalize(vector: number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  return norm === 0 ? vector : vector.map((v) => v / norm);
}
