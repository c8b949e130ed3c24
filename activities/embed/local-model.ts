import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { MemflowError } from '../../src/errors';
import { getEmbeddingModel, localModelProblems } from '../../src/models/embedding-models';
import type { EmbeddingModelSpec } from '../../src/models/embedding-models';

export interface LocalModel {
  spec: EmbeddingModelSpec;
  /** Absolute folder holding the model's config, tokenizer and `onnx/` files. */
  dir: string;
}

/**
 * Finds a registered model's files under `modelsDir`. Throws `MODEL_UNKNOWN` for a name that is not
 * registered and `MODEL_NOT_INSTALLED` when a file is missing, before anything is loaded.
 */
export function resolveLocalModel(options: { model: string; modelsDir: string }): LocalModel {
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
  return { spec, dir };
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

/** Tokens the model sees for `text`, special tokens excluded (the `Embedder.countTokens` contract). */
export function countTokens(tokenizer: PreTrainedTokenizer, text: string): number {
  return tokenizer.encode(text, { add_special_tokens: false }).length;
}
