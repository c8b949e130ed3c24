import { AutoModel, AutoTokenizer, Tensor, env, mean_pooling } from '@huggingface/transformers';
import type { PreTrainedModel, PreTrainedTokenizer, PretrainedModelOptions } from '@huggingface/transformers';
import { MemflowError } from '../../contracts/errors';
import type { Embedder } from './embedder';
import { planLengthBatches } from './length-batches';
import { PriorityRunner } from './priority-runner';
import type { LocalModel } from './local-model';
import { resolveLocalModel } from './local-model';

export interface LocalEmbedderOptions {
  /** A registered model name or alias, e.g. `all-minilm-l6-v2`. */
  model: string;
  /** Folder laid out by `prepareLocalModels` (config.embedding.modelsDir). */
  modelsDir: string;
  /** At most this many texts per forward pass. */
  batchSize?: number;
  /**
   * At most this many tokens per forward pass, padding included (a longer text gets a pass of its
   * own): bounds how long an interactive request waits behind a bulk pass. Default
   * `DEFAULT_MAX_PADDED_TOKENS`.
   */
  maxPaddedTokens?: number;
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
  /**
   * Let ONNX Runtime's intra-op threads spin while they wait for work (its default). Off: they
   * sleep, which costs a little latency per pass and saves the CPU a shared machine needs.
   */
  spinning?: boolean;
}

/**
 * ONNX Runtime session options of a local model. Without `memoryArena` the CPU memory arena and
 * memory patterns are off, trading speed for memory: with them, ONNX Runtime keeps the high-water
 * mark of the largest forward pass for the life of the session, which after ingestion batches is
 * more than the worker's whole memory budget; without, each pass allocates and frees its own
 * tensors, so batches embed slower (bench/README.md, embed-thread `--arena`).
 */
export function onnxSessionOptions(
  options: Pick<LocalEmbedderOptions, 'intraOpThreads' | 'memoryArena' | 'spinning'>,
): NonNullable<PretrainedModelOptions['session_options']> {
  return {
    ...(options.intraOpThreads === undefined ? {} : { intraOpNumThreads: options.intraOpThreads }),
    ...(options.memoryArena === true ? {} : { enableCpuMemArena: false, enableMemPattern: false }),
    ...(options.spinning === false ? { extra: { 'session.intra_op.allow_spinning': '0' } } : {}),
  };
}

/**
 * Tokens per forward pass, padding included. With the memory arena off (the default) small passes
 * cost less CPU per chunk than large ones, which allocate and fault in their attention tensors
 * afresh each time: side by side on the 2-core EPYC, 512-token passes took about a third of the CPU
 * per chunk of unsorted 32-text batches, and no more than 256-token ones. A 512-token pass of
 * all-MiniLM-L6-v2 (int8) is about a quarter of a second on one core: what a query waits at most.
 */
export const DEFAULT_MAX_PADDED_TOKENS = 512;

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
 * Vectors are the mean of the token states over the attention mask, L2-normalized.
 *
 * Each request is tokenized once; its texts are sorted by token count and embedded in passes of
 * texts of about one length (`planLengthBatches`), so little padding is embedded, and the vectors
 * come back in input order. Passes run one at a time (ONNX Runtime already spreads one pass over
 * the cores), interactive requests' passes before bulk ones (`PriorityRunner`).
 *
 * A forward pass runs synchronously on the calling thread: in the Temporal worker's main thread it
 * stalls the event loop for its whole length. Workers use `createThreadedLocalEmbedder`, which runs
 * this one in a worker thread.
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

  const limits = {
    maxTexts: options.batchSize ?? 32,
    maxPaddedTokens: options.maxPaddedTokens ?? DEFAULT_MAX_PADDED_TOKENS,
  };
  const runner = new PriorityRunner();

  /** Token ids per text, special tokens included, truncated to the model's limit; not padded. */
  function tokenize(texts: string[]): number[][] {
    const encoded = tokenizer(texts, {
      padding: false,
      truncation: true,
      max_length: spec.maxTokens,
      return_tensor: false,
    }) as { input_ids: number[][] };
    return encoded.input_ids;
  }

  /** One forward pass over texts given as token ids, padded to the longest of them. */
  async function embedPass(ids: number[][]): Promise<number[][]> {
    const width = Math.max(...ids.map((row) => row.length));
    const inputIds = new BigInt64Array(ids.length * width);
    const mask = new BigInt64Array(ids.length * width);
    ids.forEach((row, r) => {
      row.forEach((id, c) => {
        inputIds[r * width + c] = BigInt(id);
        mask[r * width + c] = 1n;
      });
    });
    const dims = [ids.length, width];
    const attentionMask = new Tensor('int64', mask, dims);
    // token_type_ids (all zeros) are added by transformers.js for models that take them.
    const outputs = (await model({
      input_ids: new Tensor('int64', inputIds, dims),
      attention_mask: attentionMask,
    })) as Record<string, Tensor | undefined>;
    const tokens = outputs[spec.tokenOutput];
    if (!tokens) {
      throw new MemflowError(
        'MODEL_NOT_INSTALLED',
        `Embedding model ${spec.model} has no output "${spec.tokenOutput}" (it has ${Object.keys(outputs).join(', ')}). ` +
          'Run `memflow stack up` to reinstall it.',
      );
    }
    const pooled = mean_pooling(tokens, attentionMask);
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
    async embed(texts, embedOptions) {
      if (texts.length === 0) return [];
      const ids = tokenize(texts);
      const passes = planLengthBatches(
        ids.map((row) => row.length),
        limits,
      );
      const results = await runner.run(
        embedOptions?.priority ?? 'interactive',
        passes.map((pass) => () => embedPass(pass.map((i) => ids[i]!))),
      );
      const vectors: number[][] = new Array<number[]>(texts.length);
      passes.forEach((pass, k) => pass.forEach((i, j) => (vectors[i] = results[k]![j]!)));
      return vectors;
    },
    countTokens(text) {
      return tokenizer.encode(text, { add_special_tokens: false }).length;
    },
    async close() {
      // Queued requests reject; the pass in flight finishes before the session goes.
      await runner.stop(new Error(`The embedder for ${spec.model} is closed; create a new one.`));
      await model.dispose();
    },
  };
}

function normalize(vector: number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  return norm === 0 ? vector : vector.map((v) => v / norm);
}
