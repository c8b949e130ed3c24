import { Context } from '@temporalio/activity';

/**
 * Heartbeats every few seconds while `work` runs, so a worker that dies mid-call (say, during a
 * slow LLM request) is noticed after the heartbeat timeout instead of the whole start-to-close.
 */
export async function heartbeatWhile<T>(work: (signal: AbortSignal) => Promise<T>, everyMs = 2000): Promise<T> {
  const ctx = Context.current();
  // A local activity has no heartbeat of its own: the worker heartbeats its workflow task instead.
  if (ctx.info.isLocal) return work(ctx.cancellationSignal);
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await work(ctx.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
