import { MemflowError } from '../../contracts/errors';
import type { ErrorCode } from '../../contracts/errors';
import type { EmbeddingIdentity } from '../../contracts/embedding';
import type { EmbedPriority } from './priority-runner';

/**
 * Messages between `threaded-embedder.ts` (main thread) and `embed-thread.ts` (the worker thread
 * that owns the ONNX model). Vectors cross as one transferred Float64Array per request: no copy
 * on the way, and float64 keeps them bit-identical to what the in-thread embedder returns.
 */

/** `workerData` of an embed thread. */
export interface EmbedThreadData {
  model: string;
  modelsDir: string;
  batchSize?: number;
  intraOpThreads?: number;
  memoryArena?: boolean;
  spinning?: boolean;
  maxPaddedTokens?: number;
}

export type ToEmbedThread = { type: 'embed'; id: number; texts: string[]; priority: EmbedPriority };

export type FromEmbedThread =
  | { type: 'ready'; identity: EmbeddingIdentity }
  | { type: 'load-failed'; error: ThreadError }
  | { type: 'vectors'; id: number; dim: number; data: Float64Array }
  | { type: 'embed-failed'; id: number; error: ThreadError };

/** An error as it crosses threads: MemflowErrors keep their code (and so their retryability). */
export interface ThreadError {
  message: string;
  name?: string;
  stack?: string;
  code?: ErrorCode;
}

export function toThreadError(err: unknown): ThreadError {
  if (err instanceof MemflowError) {
    return { message: err.message, name: err.name, stack: err.stack, code: err.code };
  }
  if (err instanceof Error) return { message: err.message, name: err.name, stack: err.stack };
  return { message: String(err) };
}

export function fromThreadError(error: ThreadError): Error {
  const err = error.code === undefined ? new Error(error.message) : new MemflowError(error.code, error.message);
  if (error.code === undefined && error.name) err.name = error.name;
  if (error.stack) err.stack = error.stack;
  return err;
}

/** Rows of `dim` numbers, back to back. */
export function packVectors(rows: number[][], dim: number): Float64Array {
  const data = new Float64Array(rows.length * dim);
  rows.forEach((row, i) => data.set(row, i * dim));
  return data;
}

export function unpackVectors(data: Float64Array, dim: number): number[][] {
  const rows: number[][] = [];
  for (let offset = 0; offset < data.length; offset += dim) rows.push(Array.from(data.subarray(offset, offset + dim)));
  return rows;
}
