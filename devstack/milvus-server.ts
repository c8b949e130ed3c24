import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { MemflowConfig } from '../config/config';
import { MemflowError } from '../contracts/errors';
import { isPortFree, waitUntil } from './net';
import type { ProcessRecord } from './processes';
import { readRecord, runningRecord, startDetached, stopProcess, tailFile } from './processes';

export const MILVUS = 'milvus';

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Lists collections as a health probe (milvus-lite has no checkHealth); returns how many exist. */
export async function checkMilvus(config: MemflowConfig): Promise<number> {
  // The SDK connects from its constructor; probing TCP first keeps a refused connection from
  // surfacing as an unhandled rejection while the server is still starting.
  if (!(await tcpOpen(config.milvus.host, config.milvus.port))) {
    throw new Error(`nothing listens on ${config.milvus.address}`);
  }
  const client = new MilvusClient({
    address: config.milvus.address,
    token: config.milvus.token,
    ssl: config.milvus.ssl,
    timeout: 3000,
    channelOptions: { 'grpc.keepalive_time_ms': 300_000 },
  });
  try {
    await client.connectPromise;
    const reply = await client.showCollections();
    if (reply.status.error_code !== 'Success' && reply.status.code !== 0) {
      throw new Error(`Milvus answered ${reply.status.error_code}: ${reply.status.reason}`);
    }
    return reply.data.length;
  } finally {
    await client.closeConnection();
  }
}

/**
 * This home's running Milvus if it is `binary` (once healthy), or undefined when Milvus may be
 * started: a different Milvus flavor running here, or anything else on the port, is a typed error.
 */
export async function runningMilvusOrFreePort(
  config: MemflowConfig,
  binary: string,
  healthyWithinMs: number,
): Promise<ProcessRecord | undefined> {
  const existing = runningRecord(config.paths.run, MILVUS);
  if (existing) {
    if (existing.command !== binary) {
      throw new MemflowError(
        'PORT_TAKEN',
        `This home already runs another Milvus (${existing.command}); run \`memflow stack down\` before switching MILVUS_FLAVOR.`,
      );
    }
    await waitUntil('Milvus', async () => (await checkMilvus(config)) >= 0, { timeoutMs: healthyWithinMs });
    return existing;
  }
  const { host, port } = config.milvus;
  if (!(await isPortFree(host, port))) {
    throw new MemflowError(
      'PORT_TAKEN',
      `Port ${host}:${port} is taken by another process, so memflow cannot start Milvus there. ` +
        'Stop that process or set MILVUS_ADDRESS to a free port.',
    );
  }
  return undefined;
}

export async function startMilvus(
  config: MemflowConfig,
  milvusLiteBinary: string,
): Promise<{ record: ProcessRecord; started: boolean }> {
  const existing = await runningMilvusOrFreePort(config, milvusLiteBinary, 30_000);
  if (existing) return { record: existing, started: false };
  const { host, port } = config.milvus;
  const dataDir = path.join(config.paths.data, 'milvus');
  fs.mkdirSync(dataDir, { recursive: true });
  const record = startDetached({
    name: MILVUS,
    command: milvusLiteBinary,
    args: ['server', '--data-dir', dataDir, '--host', host, '--port', String(port)],
    runDir: config.paths.run,
    logDir: config.paths.logs,
  });
  await waitUntil('Milvus', async () => (await checkMilvus(config)) >= 0, {
    timeoutMs: 60_000,
    hint: () => `Milvus log (${record.logFile}):\n${tailFile(record.logFile)}`,
  });
  return { record, started: true };
}

/**
 * Stops this home's Milvus, lite or standalone. milvus-lite treats SIGTERM as a crash; SIGINT
 * flushes its WAL and exits cleanly. Standalone 2.3 starts its graceful stop on SIGINT but, once a
 * collection has been loaded, hangs in it for good (its own stop timeouts do not end it): it gets
 * SIGKILL after 15 s. That loses no acknowledged write (they are in its RocksMQ log on disk) but
 * leaves its etcd sessions to expire, so the next start on the same data takes about a minute.
 */
export function stopMilvus(config: MemflowConfig) {
  const standalone = path.basename(readRecord(config.paths.run, MILVUS)?.command ?? '') === 'milvus';
  return stopProcess(config.paths.run, MILVUS, 'SIGINT', standalone ? 15_000 : 20_000);
}
