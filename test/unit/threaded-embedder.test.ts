import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Embedder } from '../../adapters/embed/embedder';
import { fromThreadError, toThreadError } from '../../adapters/embed/embed-thread-protocol';
import { createLocalEmbedder, onnxSessionOptions } from '../../adapters/embed/local-embedder';
import {
  EmbedThreadExitedError,
  createThreadedLocalEmbedder,
  terminateEmbedThreadForTest,
} from '../../adapters/embed/threaded-embedder';
import { MemflowError, isMemflowError } from '../../contracts/errors';
import { localModelProblems } from '../../adapters/embed/embedding-models';

// The models `memflow stack up` lays out; MEMFLOW_MODELS_DIR points elsewhere.
const MODELS_DIR = process.env.MEMFLOW_MODELS_DIR ?? path.resolve(__dirname, '../../.memflow/models');
const MODELS = ['all-minilm-l6-v2', 'paraphrase-minilm-l3-v2'] as const;
const missing = MODELS.flatMap((m) => localModelProblems(MODELS_DIR, m));
const skip =
  missing.length === 0 ? false : `local models not ready in ${MODELS_DIR} (${missing[0]}); run \`memflow stack up\``;

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * (b[i] ?? NaN), 0);
const cosine = (a: number[], b: number[]) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));

const SAMPLES = [
  'The cat sits on the mat.',
  'Quarterly revenue grew by four percent.',
  'Tokenization of naïve café déjà-vu 🙂 text',
  'PostgreSQL uses MVCC: multiversion concurrency control.',
  '',
  Array.from({ length: 1000 }, () => 'vacuum').join(' '), // truncated to the model's limit
  ...Array.from({ length: 34 }, (_, i) => `Sentence number ${i} about write-ahead logging.`), // > one batch
];

const WORDS = 'checkpoint flushes dirty buffers while the write ahead log keeps every change until replay'.split(' ');
/** Texts of about 200 tokens: long enough that one batch of 32 takes a while to embed. */
const longTexts = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    Array.from({ length: 190 }, (_, k) => WORDS[(k * 5 + i) % WORDS.length]).join(' '),
  );

/** Counts 10 ms timer ticks while `work` runs and the longest gap between two of them. */
async function tickWhile<T>(
  work: () => Promise<T>,
): Promise<{ result: T; ticks: number; maxGapMs: number; durationMs: number }> {
  let ticks = 0;
  let maxGapMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks += 1;
  }, 10);
  const started = performance.now();
  try {
    const result = await work();
    const durationMs = performance.now() - started;
    maxGapMs = Math.max(maxGapMs, performance.now() - last);
    return { result, ticks, maxGapMs, durationMs };
  } finally {
    clearInterval(timer);
  }
}

/** OS threads of this process (Linux), to see a thread end. */
const osThreads = () => (fs.existsSync('/proc/self/task') ? fs.readdirSync('/proc/self/task').length : undefined);

describe('threaded local embedder on the real ONNX models', { skip }, () => {
  const inThread = new Map<string, Embedder>();
  const threaded = new Map<string, Embedder>();

  before(async () => {
    for (const model of MODELS) {
      inThread.set(model, await createLocalEmbedder({ model, modelsDir: MODELS_DIR }));
      threaded.set(model, await createThreadedLocalEmbedder({ model, modelsDir: MODELS_DIR }));
    }
  });
  after(async () => {
    for (const embedder of [...inThread.values(), ...threaded.values()]) await embedder.close?.();
  });

  for (const model of MODELS) {
    it(`${model}: the same identity, vectors and token counts as the in-thread embedder`, async () => {
      const local = inThread.get(model)!;
      const remote = threaded.get(model)!;
      assert.deepEqual(remote.identity, local.identity);
      const [expected, actual] = await Promise.all([local.embed(SAMPLES), remote.embed(SAMPLES)]);
      assert.equal(actual.length, SAMPLES.length);
      actual.forEach((vector, i) => {
        assert.ok(Array.isArray(vector), 'plain number arrays, as the interface promises');
        assert.equal(vector.length, local.identity.dim);
        const similarity = cosine(vector, expected[i]!);
        assert.ok(similarity > 0.9999, `text ${i} (${SAMPLES[i]!.slice(0, 30)}): cosine ${similarity}`);
      });
      for (const text of [...SAMPLES, longTexts(1)[0]!]) {
        assert.equal(remote.countTokens(text), local.countTokens(text), text.slice(0, 40));
      }
      assert.deepEqual(await remote.embed([]), []);
    });
  }

  it("counts tokens in this thread (tokenizers.js alone) exactly as the model's transformers.js tokenizer does", () => {
    // Chunk boundaries and chunk ids follow these counts: a difference would re-chunk documents.
    const corpus = path.resolve(__dirname, '../fixtures/corpus');
    const texts = [
      ...SAMPLES,
      'Straße, ﬁne ligatures ①, Ⅻ, ǅ, ΐ, full-width ＡＢＣ, zero\u200bwidth, BOM\ufeff, NUL\u0000',
      '日本語のテキスト 中文 한국어 العربية עברית हिन्दी',
      '👩‍👩‍👧 family 🏳️‍🌈 flag\ttab\r\nCRLF   spaces',
      'x'.repeat(500),
    ];
    for (const file of fs.readdirSync(corpus)) {
      const text = fs.readFileSync(path.join(corpus, file), 'utf8');
      texts.push(text, ...text.split(/\n\s*\n/));
    }
    for (const model of MODELS) {
      const local = inThread.get(model)!;
      const remote = threaded.get(model)!;
      const differing = texts.filter((text) => remote.countTokens(text) !== local.countTokens(text));
      assert.deepEqual(differing, [], `${model}: ${differing.length} of ${texts.length} texts counted differently`);
    }
  });

  it('keeps the event loop turning while 3×32 long texts embed, where the in-thread embedder stalls it', async (t) => {
    const embedder = threaded.get('all-minilm-l6-v2')!;
    const texts = longTexts(96);
    const run = await tickWhile(() => embedder.embed(texts));
    assert.equal(run.result.length, 96);
    t.diagnostic(
      `threaded: ${run.ticks} ticks, longest pause ${Math.round(run.maxGapMs)} ms in ${Math.round(run.durationMs)} ms`,
    );
    // One batch of 32 takes seconds here; the loop must not wait for one, let alone three.
    assert.ok(run.ticks >= run.durationMs / 10 / 4, `${run.ticks} ticks in ${Math.round(run.durationMs)} ms`);
    assert.ok(
      run.maxGapMs < run.durationMs / 10,
      `longest pause ${Math.round(run.maxGapMs)} ms during a ${Math.round(run.durationMs)} ms embed`,
    );

    // Control: the same probe sees the in-thread embedder block for a whole forward pass at a time
    // (it yields only between passes: 32 texts of ~190 tokens are 16 passes of 2 at 512 tokens).
    const blocked = await tickWhile(() => inThread.get('all-minilm-l6-v2')!.embed(texts.slice(0, 32)));
    t.diagnostic(`in-thread: longest pause ${Math.round(blocked.maxGapMs)} ms in ${Math.round(blocked.durationMs)} ms`);
    assert.ok(
      blocked.maxGapMs > blocked.durationMs / 32,
      `in-thread: longest pause ${Math.round(blocked.maxGapMs)} ms of ${Math.round(blocked.durationMs)} ms`,
    );
  });

  it("answers a query sent during a bulk batch after at most the pass in flight, before the batch's other passes", async (t) => {
    const embedder = threaded.get('all-minilm-l6-v2')!;
    // 64 texts of ~190 tokens: 32 passes of 2 (512 tokens each) for the bulk request.
    let bulkDone: number | undefined;
    const bulkStarted = performance.now();
    const bulk = embedder.embed(longTexts(64), { priority: 'bulk' }).then((vectors) => {
      bulkDone = performance.now();
      return vectors;
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the batch is under way
    const queryStarted = performance.now();
    const [query] = await embedder.embed(['how does a checkpoint flush dirty buffers?']);
    const queryDone = performance.now();
    const vectors = await bulk;
    t.diagnostic(
      `query ${Math.round(queryDone - queryStarted)} ms during a ${Math.round(bulkDone! - bulkStarted)} ms bulk batch`,
    );
    assert.equal(query?.length, 384);
    assert.equal(vectors.length, 64);
    assert.ok(queryDone < bulkDone!, 'the query did not wait for the bulk batch');
    assert.ok(
      queryDone - queryStarted < (bulkDone! - bulkStarted) / 4,
      `query ${Math.round(queryDone - queryStarted)} ms vs bulk ${Math.round(bulkDone! - bulkStarted)} ms`,
    );
    // Same vectors either way: priority changes the order of passes, not what they compute.
    const [alone] = await embedder.embed(['how does a checkpoint flush dirty buffers?'], { priority: 'bulk' });
    assert.ok(cosine(query!, alone!) > 0.9999);
  });

  it('a dead thread rejects its pending call with a clear error, and the next call starts a new one', async () => {
    const embedder = threaded.get('paraphrase-minilm-l3-v2')!;
    const [before] = await embedder.embed(['The cat sits on the mat.']);
    const pending = embedder.embed(longTexts(64));
    await terminateEmbedThreadForTest(embedder);
    await assert.rejects(
      pending,
      (err: unknown) =>
        err instanceof EmbedThreadExitedError &&
        err.code === 'EMBED_THREAD_EXITED' &&
        err.message.includes('paraphrase-minilm-l3-v2') &&
        err.message.includes('the next call starts a new thread'),
    );
    const [after] = await embedder.embed(['The cat sits on the mat.']);
    assert.ok(before && after && cosine(before, after) > 0.9999);
    assert.deepEqual(embedder.identity, inThread.get('paraphrase-minilm-l3-v2')!.identity);
  });

  it('an embed error in the thread rejects that call only, as in-thread; the thread keeps serving', async () => {
    const embedder = threaded.get('all-minilm-l6-v2')!;
    const bad = [null as unknown as string];
    const inThreadError = await inThread
      .get('all-minilm-l6-v2')!
      .embed(bad)
      .then(
        () => assert.fail('the in-thread embedder accepted null'),
        (err: Error) => err,
      );
    await assert.rejects(embedder.embed(bad), { name: inThreadError.name, message: inThreadError.message });
    await assert.rejects(embedder.embed([Symbol('not cloneable') as unknown as string]), { name: 'DataCloneError' });
    const [vector] = await embedder.embed(['still here']);
    assert.equal(vector?.length, 384);
  });

  it('memoryArena on gives the same vectors as the default (arena off): only the allocator differs', async () => {
    const withArena = await createThreadedLocalEmbedder({
      model: 'paraphrase-minilm-l3-v2',
      modelsDir: MODELS_DIR,
      memoryArena: true,
    });
    try {
      const texts = [...SAMPLES, ...longTexts(3)];
      const [expected, actual] = await Promise.all([
        threaded.get('paraphrase-minilm-l3-v2')!.embed(texts),
        withArena.embed(texts),
      ]);
      actual.forEach((vector, i) => assert.ok(cosine(vector, expected[i]!) > 0.9999, `text ${i}`));
    } finally {
      await withArena.close?.();
    }
  });

  it('close() ends the thread: a pending call rejects, later calls are refused', async () => {
    const threadsBefore = osThreads();
    const embedder = await createThreadedLocalEmbedder({ model: 'paraphrase-minilm-l3-v2', modelsDir: MODELS_DIR });
    const [vector] = await embedder.embed(['warm']);
    assert.equal(vector?.length, 384);
    assert.ok((osThreads() ?? Infinity) > (threadsBefore ?? 0), 'the embedder runs in a thread of its own');
    const pending = embedder.embed(longTexts(32));
    await embedder.close?.();
    await assert.rejects(
      pending,
      (err: unknown) => err instanceof EmbedThreadExitedError && /closed/.test(err.message),
    );
    await assert.rejects(embedder.embed(['again']), /closed/);
    if (threadsBefore !== undefined) assert.equal(osThreads(), threadsBefore, 'its OS threads are gone');
  });
});

describe('threaded local embedder: typed errors', () => {
  it('rejects a missing or unknown model as createLocalEmbedder does, before starting a thread', async () => {
    const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-models-empty-'));
    try {
      await assert.rejects(
        createThreadedLocalEmbedder({ model: 'all-minilm-l6-v2', modelsDir }),
        (err: unknown) => isMemflowError(err, 'MODEL_NOT_INSTALLED') && err.message.includes('Run `memflow stack up`'),
      );
      await assert.rejects(createThreadedLocalEmbedder({ model: 'no-such-model', modelsDir }), (err: unknown) =>
        isMemflowError(err, 'MODEL_UNKNOWN'),
      );
    } finally {
      fs.rmSync(modelsDir, { recursive: true, force: true });
    }
  });

  it("turns ONNX Runtime's memory arena and memory patterns off unless memoryArena is set", () => {
    assert.deepEqual(onnxSessionOptions({}), { enableCpuMemArena: false, enableMemPattern: false });
    assert.deepEqual(onnxSessionOptions({ intraOpThreads: 1, memoryArena: false }), {
      intraOpNumThreads: 1,
      enableCpuMemArena: false,
      enableMemPattern: false,
    });
    assert.deepEqual(onnxSessionOptions({ intraOpThreads: 2, memoryArena: true }), { intraOpNumThreads: 2 });
    assert.deepEqual(onnxSessionOptions({ intraOpThreads: 2, memoryArena: true, spinning: false }), {
      intraOpNumThreads: 2,
      extra: { 'session.intra_op.allow_spinning': '0' },
    });
  });

  it('errors cross the thread boundary with their code and retryability', () => {
    const typed = new MemflowError('EMBEDDING_MISMATCH', 'returned 12 dimensions, expected 384');
    const back = fromThreadError(structuredClone(toThreadError(typed)));
    assert.ok(isMemflowError(back, 'EMBEDDING_MISMATCH'));
    assert.equal(back.message, typed.message);
    assert.equal(back.retryable, false);
    const plain = fromThreadError(structuredClone(toThreadError(new TypeError('text.split is not a function'))));
    assert.ok(!(plain instanceof MemflowError));
    assert.equal(plain.name, 'TypeError');
    assert.equal(plain.message, 'text.split is not a function');
  });
});
