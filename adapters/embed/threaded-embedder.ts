import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MemflowError } from '../../contracts/errors';
import type { EmbeddingIdentity } from '../../contracts/embedding';
import type { Embedder } from './embedder';
import type { EmbedThreadData, FromEmbedThread, ToEmbedThread } from './embed-thread-protocol';
import { fromThreadError, unpackVectors } from './embed-thread-protocol';
import type { LocalEmbedderOptions } from './local-embedder';
import type { EmbedPriority } from './priority-runner';
import { loadTokenCounter, resolveLocalModel } from './local-model';

const ENTRY = path.join(__dirname, 'embed-thread-entry.js');

/**
 * ONNX Runtime threads per forward pass in the embedding thread: all the cores the process may use,
 * so ingestion and backfills use the whole machine while nothing else needs it. The main thread
 * stays responsive because the pool's threads do not spin (`spinning: false`): between parallel
 * sections they sleep and give their core back, and chat queries do not wait behind ingestion
 * batches because passes run by priority (`PriorityRunner`). Always explicit: left unset, ONNX
 * Runtime also pins its threads to cores, which a shared machine punishes.
 */
export function defaultEmbedThreadIntraOp(): number {
  return Math.max(1, os.availableParallelism());
}

/** The embedding thread stopped (crashed, ran out of memory, was terminated) with requests pending. */
export class EmbedThreadExitedError extends MemflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('EMBED_THREAD_EXITED', message, options);
  }
}

interface Callbacks<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/** One worker thread running the ONNX model, and the requests waiting on it. */
class EmbedThread {
  /** The model's identity once loaded; rejects with the load error (typed as before) or an exit. */
  readonly ready: Promise<EmbeddingIdentity>;
  private readonly onReady: Callbacks<EmbeddingIdentity>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Callbacks<number[][]>>();
  private identity?: EmbeddingIdentity;
  private loadFailed = false;
  private nextId = 0;
  private crash?: Error;
  private closing = false;

  constructor(
    private readonly data: EmbedThreadData,
    onExit: (thread: EmbedThread) => void,
  ) {
    let onReady: Callbacks<EmbeddingIdentity> | undefined;
    this.ready = new Promise<EmbeddingIdentity>((resolve, reject) => (onReady = { resolve, reject }));
    this.onReady = onReady!;
    this.ready.catch(() => undefined); // every caller awaits it; this only keeps an early exit from being "unhandled"
    // execArgv: [] so the thread does not depend on the parent's loader flags; the entry loads tsx itself.
    this.worker = new Worker(ENTRY, { workerData: data, execArgv: [], name: `memflow embed ${data.model}` });
    this.worker.on('message', (message: FromEmbedThread) => this.receive(message));
    this.worker.on('error', (err) => {
      this.crash = err;
    });
    this.worker.on('exit', (code) => {
      const err = this.exitError(code);
      if (!this.identity) this.onReady.reject(err);
      for (const waiting of this.pending.values()) waiting.reject(err);
      this.pending.clear();
      onExit(this);
    });
  }

  embed(texts: string[], priority: EmbedPriority): Promise<number[][]> {
    const id = this.nextId++;
    return new Promise<number[][]>((resolve, reject) => {
      try {
        this.worker.postMessage({ type: 'embed', id, texts, priority } satisfies ToEmbedThread);
      } catch (err) {
        reject(err as Error); // texts that cannot be cloned (DataCloneError): nothing was sent
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
    });
  }

  /** Stops the thread; pending requests reject (`closing` only changes their message). */
  async terminate(closing: boolean): Promise<void> {
    this.closing ||= closing;
    await this.worker.terminate();
  }

  private receive(message: FromEmbedThread): void {
    switch (message.type) {
      case 'ready':
        this.identity = message.identity;
        this.onReady.resolve(message.identity);
        break;
      case 'load-failed':
        this.loadFailed = true;
        this.onReady.reject(fromThreadError(message.error));
        void this.worker.terminate();
        break;
      case 'vectors':
        this.take(message.id)?.resolve(unpackVectors(message.data, message.dim));
        break;
      case 'embed-failed':
        this.take(message.id)?.reject(fromThreadError(message.error));
        break;
    }
    // An idle thread does not keep the process alive, like the in-thread embedder.
    if (this.identity && this.pending.size === 0) this.worker.unref();
  }

  private take(id: number): Callbacks<number[][]> | undefined {
    const waiting = this.pending.get(id);
    this.pending.delete(id);
    return waiting;
  }

  private exitError(code: number): Error {
    const model = this.data.model;
    if (this.closing)
      return new EmbedThreadExitedError(`The embedder for ${model} was closed before this request finished.`);
    if (this.loadFailed)
      return new EmbedThreadExitedError(`The embedding thread for ${model} failed to load the model.`);
    const why = this.crash ? `: ${this.crash.message}` : '';
    return new EmbedThreadExitedError(
      `The embedding thread for ${model} stopped (exit code ${code}${why}). Retry: the next call starts a new thread.`,
      { cause: this.crash },
    );
  }
}

const terminators = new WeakMap<Embedder, () => Promise<void>>();

/**
 * A local ONNX model behind the `Embedder` interface whose forward passes run in a worker thread,
 * so the caller's event loop (the Temporal worker's: queries, workflow tasks, chat turns) keeps
 * turning while a batch embeds. Vectors cross as float64, so they are the numbers the in-thread
 * embedder returns. `countTokens` stays synchronous, with the model's tokenizer in this thread (`loadTokenCounter`,
 * without transformers.js).
 *
 * Load errors reject as `createLocalEmbedder`'s do (`MODEL_UNKNOWN`, `MODEL_NOT_INSTALLED`), and
 * embed errors keep their type. If the thread dies, its pending calls reject with an
 * `EmbedThreadExitedError` and the next call starts a new thread. `close()` ends the thread.
 */
export async function createThreadedLocalEmbedder(options: LocalEmbedderOptions): Promise<Embedder> {
  const local = resolveLocalModel(options);
  const data: EmbedThreadData = {
    model: local.spec.model,
    modelsDir: options.modelsDir,
    batchSize: options.batchSize,
    intraOpThreads: options.intraOpThreads ?? defaultEmbedThreadIntraOp(),
    memoryArena: options.memoryArena,
    spinning: options.spinning ?? false,
    maxPaddedTokens: options.maxPaddedTokens,
  };
  let thread: EmbedThread | undefined;
  let closed = false;
  const start = () => {
    const started = new EmbedThread(data, (exited) => {
      if (thread === exited) thread = undefined;
    });
    thread = started;
    return started;
  };

  const first = start();
  let countTokens: (text: string) => number;
  let identity: EmbeddingIdentity;
  try {
    countTokens = loadTokenCounter(local);
    identity = await first.ready;
  } catch (error) {
    await first.terminate(true);
    throw error;
  }

  const embedder: Embedder = {
    identity,
    async embed(texts, embedOptions) {
      if (closed) throw new Error(`The embedder for ${data.model} is closed; create a new one.`);
      if (texts.length === 0) return [];
      const current = thread ?? start();
      await current.ready;
      return current.embed(texts, embedOptions?.priority ?? 'interactive');
    },
    countTokens(text) {
      return countTokens(text);
    },
    async close() {
      closed = true;
      await thread?.terminate(true);
    },
  };
  terminators.set(embedder, async () => thread?.terminate(false));
  return embedder;
}

/** Test hook: kills the embedder's thread as a crash would (pending calls reject, the next call restarts). */
export async function terminateEmbedThreadForTest(embedder: Embedder): Promise<void> {
  const terminate = terminators.get(embedder);
  if (!terminate) throw new Error('Not a threaded embedder.');
  await terminate();
}
