import net from 'node:net';
import { MemflowError, errorMessage } from '../contracts/errors';
import { sleep } from './processes';

/** True when nothing listens on host:port (we could bind it ourselves). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel says is free right now on 127.0.0.1. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `probe` until it resolves truthy or `timeoutMs` passes; the last error explains a timeout.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: {
    timeoutMs: number;
    intervalMs?: number;
    hint?: () => string;
    /** Checked before each probe: a reason (e.g. the process exited) stops the wait at once. */
    giveUp?: () => string | undefined;
  },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'not ready';
  while (Date.now() < deadline) {
    const reason = options.giveUp?.();
    if (reason !== undefined) {
      const hint = options.hint ? `\n${options.hint()}` : '';
      throw new MemflowError('SERVICE_UNHEALTHY', `${what} did not start: ${reason}.${hint}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = errorMessage(err);
    }
    await sleep(options.intervalMs ?? 250);
  }
  const hint = options.hint ? `\n${options.hint()}` : '';
  throw new MemflowError(
    'SERVICE_UNHEALTHY',
    `${what} did not become healthy within ${options.timeoutMs / 1000}s (last error: ${lastError}).${hint}`,
  );
}
