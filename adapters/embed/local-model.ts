import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { MemflowError } from '../../contracts/errors';
import { getEmbeddingModel, localModelProblems } from './embedding-models';
import type { EmbeddingModelSpec } from './embedding-models';

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

/**
 * Counts the tokens the model sees for a text, special tokens excluded (the `Embedder.countTokens`
 * contract), with `@huggingface/tokenizers` on the model's `tokenizer.json`: the tokenizer
 * transformers.js itself wraps, so the counts (and the chunk boundaries and ids built on them) are
 * the ones the model's own tokenizer gives (test/unit/local-embedder.test.ts compares them), without
 * loading transformers.js into the caller's thread, which costs the worker's main thread far more
 * memory than the tokenizer (bench/README.md, memory).
 */
export function loadTokenCounter(model: LocalModel): (text: string) => number {
  const read = (file: string): object => JSON.parse(fs.readFileSync(path.join(model.dir, file), 'utf8')) as object;
  const tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
  return (text) => tokenizer.encode(text, { add_special_tokens: false }).ids.length;
}
