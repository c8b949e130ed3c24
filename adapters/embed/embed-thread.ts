import { parentPort, workerData } from 'node:worker_threads';
import type { EmbedThreadData, FromEmbedThread, ToEmbedThread } from './embed-thread-protocol';
import { packVectors, toThreadError } from './embed-thread-protocol';
import { createLocalEmbedder } from './local-embedder';

/**
 * Worker-thread side of `createThreadedLocalEmbedder`: loads the model with the in-thread embedder
 * and answers embed requests. Started through `embed-thread-entry.js`, which loads TypeScript first.
 *
 * Requests are handed to the embedder as they arrive, with their priority; it runs one forward pass
 * at a time, interactive passes first, so a chat query waits for at most the one pass of an
 * ingestion or backfill batch in flight, not for the rest of it (`PriorityRunner`).
 */

const port = parentPort;
if (!port) throw new Error('embed-thread.ts runs only as a worker thread (see threaded-embedder.ts).');
const data = workerData as EmbedThreadData;
const send = (message: FromEmbedThread, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

const loading = createLocalEmbedder(data);
loading.then(
  (embedder) => send({ type: 'ready', identity: embedder.identity }),
  // The main thread terminates this thread when it sees the failure.
  (err: unknown) => send({ type: 'load-failed', error: toThreadError(err) }),
);

port.on('message', (message: ToEmbedThread) => {
  void embed(message);
});

async function embed({ id, texts, priority }: ToEmbedThread): Promise<void> {
  try {
    const embedder = await loading;
    const { dim } = embedder.identity;
    const vectors = packVectors(await embedder.embed(texts, { priority }), dim);
    send({ type: 'vectors', id, dim, data: vectors }, [vectors.buffer as ArrayBuffer]);
  } catch (err) {
    send({ type: 'embed-failed', id, error: toThreadError(err) });
  }
}
