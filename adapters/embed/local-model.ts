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

/** Distinct words whose counts a token counter remembers; past this it starts afresh. */
const WORD_COUNT_CACHE_LIMIT = 200_000;

/** ASCII whitespace: every BERT pre-tokenizer splits there, whatever else it does. */
const ASCII_WORDS = /[^ \t\n\r]+/g;

/**
 * Whether a tokenizer's count for a text is the sum of its counts for the text's ASCII-whitespace
 * separated words: true when the normalizer works character by character (BertNormalizer: clean
 * text, CJK spacing, lowercase, accents) and the pre-tokenizer splits at whitespace before anything
 * else (BertPreTokenizer), so no token ever spans a space, tab or line break.
 */
export function countsAddUpByWord(tokenizerJson: {
  normalizer?: { type?: string } | null;
  pre_tokenizer?: { type?: string } | null;
}): boolean {
  return (
    tokenizerJson.normalizer?.type === 'BertNormalizer' && tokenizerJson.pre_tokenizer?.type === 'BertPreTokenizer'
  );
}

/**
 * Counts the tokens the model sees for a text, special tokens excluded (the `Embedder.countTokens`
 * contract), with `@huggingface/tokenizers` on the model's `tokenizer.json`: the tokenizer
 * transformers.js itself wraps, so the counts (and the chunk boundaries and ids built on them) are
 * the ones the model's own tokenizer gives (test/unit/local-embedder.test.ts compares them), without
 * loading transformers.js into the caller's thread, which costs the worker's main thread far more
 * memory than the tokenizer (bench/README.md, memory).
 *
 * Chunking counts overlapping spans of the same words many times over. For a tokenizer whose
 * counts add up word by word (`countsAddUpByWord`), each distinct word is tokenized once and its
 * count remembered: the same numbers at a fraction of the CPU (bench/README.md, ingest).
 */
export function loadTokenCounter(model: LocalModel): (text: string) => number {
  const read = (file: string): Record<string, unknown> =>
    JSON.parse(fs.readFileSync(path.join(model.dir, file), 'utf8')) as Record<string, unknown>;
  const tokenizerJson = read('tokenizer.json');
  const tokenizer = new Tokenizer(tokenizerJson, read('tokenizer_config.json'));
  const count = (text: string): number => tokenizer.encode(text, { add_special_tokens: false }).ids.length;
  if (!countsAddUpByWord(tokenizerJson)) return count;
  const byWord = new Map<string, number>();
  return (text) => {
    let total = 0;
    for (const [word] of text.matchAll(ASCII_WORDS)) {
      let n = byWord.get(word);
      if (n === undefined) {
        if (byWord.size >= WORD_COUNT_CACHE_LIMIT) byWord.clear();
        n = count(word);
        byWord.set(word, n);
      }
      total += n;
    }
    return total;
  };
}
