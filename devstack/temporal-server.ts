import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { MemflowConfig } from '../config/config';
import { MemflowError } from '../contracts/errors';
import { MEMFLOW_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { isPortFree, waitUntil } from './net';
import type { ProcessRecord } from './processes';
import { runningRecord, startDetached, stopProcess, tailFile } from './processes';

export const TEMPORAL = 'temporal';

export function temporalDbFile(config: MemflowConfig): string {
  return path.join(config.paths.data, 'temporal.db');
}

/** Pings the frontend; returns the server version. */
export async function checkTemporal(config: MemflowConfig): Promise<string> {
  const connection = await Connection.connect({
    address: config.temporal.address,
    tls: config.temporal.tls ? {} : undefined,
    apiKey: config.temporal.apiKey,
    connectTimeout: '2s',
  });
  try {
    const info = await connection.workflowService.getSystemInfo({});
    return info.serverVersion || 'unknown';
  } finally {
    await connection.close();
  }
}

/** Registers memflow's search attributes on the namespace (idempotent; works on any cluster). */
export async function ensureSearchAttributes(config: MemflowConfig): Promise<string[]> {
  const connection = await Connection.connect({
    address: config.temporal.address,
    tls: config.temporal.tls ? {} : undefined,
    apiKey: config.temporal.apiKey,
  });
  try {
    const namespace = config.temporal.namespace;
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = MEMFLOW_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
    if (missing.length > 0) {
      const searchAttributes: Record<string, proto.api.enums.v1.IndexedValueType> = {};
      for (const key of missing)
        searchAttributes[key.name] = proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
    }
    return missing.map((k) => k.name);
  } finally {
    await connection.close();
  }
}

/**
 * The dev server has one history shard, and each shard reads its transfer queue at most 20 times
 * a second by default: every hop from a completed activity to the next workflow task then waits
 * up to 50 ms once a workflow has used its burst (bench/README.md, turn-overhead).
 */
export const DEV_SERVER_DYNAMIC_CONFIG = ['history.transferProcessorMaxPollRPS=1000'];

/**
 * Starts `temporal server start-dev` with a file-backed store under `<home>/data`, unless ours is
 * already running. A port held by anything else is a typed error naming the variable to change.
 */
export async function startTemporal(
  config: MemflowConfig,
  temporalBinary: string,
): Promise<{ record: ProcessRecord; started: boolean }> {
  const existing = runningRecord(config.paths.run, TEMPORAL);
  if (existing) {
    await waitUntil('Temporal', async () => Boolean(await checkTemporal(config)), { timeoutMs: 30_000 });
    return { record: existing, started: false };
  }
  const { host, port, uiPort } = config.temporal;
  for (const [p, variable] of [
    [port, 'TEMPORAL_ADDRESS'],
    [uiPort, 'TEMPORAL_UI_PORT'],
  ] as const) {
    if (!(await isPortFree(host, p))) {
      throw new MemflowError(
        'PORT_TAKEN',
        `Port ${host}:${p} is taken by another process, so memflow cannot start Temporal there. ` +
          `Stop that process or set ${variable} to a free port.`,
      );
    }
  }
  fs.mkdirSync(config.paths.data, { recursive: true });
  const record = startDetached({
    name: TEMPORAL,
    command: temporalBinary,
    args: [
      'server',
      'start-dev',
      '--ip',
      host,
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--db-filename',
      temporalDbFile(config),
      '--namespace',
      config.temporal.namespace,
      '--log-level',
      'warn',
      '--ui-disable-news-fetch',
      '--sqlite-pragma',
      'journal_mode=WAL',
      ...DEV_SERVER_DYNAMIC_CONFIG.flatMap((setting) => ['--dynamic-config-value', setting]),
    ],
    runDir: config.paths.run,
    logDir: config.paths.logs,
  });
  await waitUntil('Temporal', async () => Boolean(await checkTemporal(config)), {
    timeoutMs: 60_000,
    hint: () => `Temporal log (${record.logFile}):\n${tailFile(record.logFile)}`,
  });
  return { record, started: true };
}

/** SIGINT lets the dev server close its SQLite store cleanly. */
export function stopTemporal(config: MemflowConfig) {
  return stopProcess(config.paths.run, TEMPORAL, 'SIGINT');
}
