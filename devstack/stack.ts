import type { MemflowConfig } from '../config/config';
import { ensureDatabase } from '../adapters/postgres/ensure-database';
import { appliedMigrationCount, migrate } from '../adapters/postgres/migrate';
import { createPool, describeUrl, postgresError } from '../adapters/postgres/pool';
import { errorMessage } from '../contracts/errors';
import { prepareLocalModels } from '../adapters/embed/embedding-models';
import { ensureCodecKeyFile } from './codec-key-file';
import { ensureStackInstalled, isStackInstalled } from './install';
import { MILVUS, checkMilvus, startMilvus, stopMilvus } from './milvus-server';
import { ensureMilvusStandaloneInstalled } from './milvus-standalone-install';
import { startMilvusStandalone } from './milvus-standalone-server';
import { runningRecord } from './processes';
import { TEMPORAL, checkTemporal, ensureSearchAttributes, startTemporal, stopTemporal } from './temporal-server';
import { WORKER, stopWorker } from './worker-process';

export interface ServiceStatus {
  name: 'temporal' | 'milvus' | 'postgres' | 'worker';
  state: 'running' | 'stopped' | 'external' | 'unhealthy';
  address: string;
  pid?: number;
  detail?: string;
}

export interface StackStatus {
  mode: MemflowConfig['stackMode'];
  installed: boolean;
  temporalUi: string;
  services: ServiceStatus[];
}

export type Log = (line: string) => void;

/**
 * Brings the stack up, idempotently: installs the venv once, starts Temporal and Milvus (milvus-lite,
 * or Milvus standalone 2.3 when MILVUS_FLAVOR=standalone, installed on first use) unless they
 * already run, makes sure the database exists and is migrated, registers search attributes, and
 * creates the payload codec's key file if there is no key. In `external` mode nothing is started
 * and no key is made: every service is only health-checked, and the keys are the operator's.
 */
export async function stackUp(config: MemflowConfig, log: Log): Promise<StackStatus> {
  // Postgres first: a wrong DATABASE_URL fails before anything is started.
  const created = await ensureDatabase(config.postgres.url);
  if (created) log(`created database ${describeUrl(config.postgres.url)}`);
  if (config.stackMode === 'local') {
    const keyFile = ensureCodecKeyFile(config);
    if (keyFile)
      log(`created the payload codec key ${keyFile}: keep it, Temporal stores this stack's payloads encrypted with it`);
    const bins = ensureStackInstalled(config, log);
    const temporal = await startTemporal(config, bins.temporal);
    log(
      `${temporal.started ? 'started' : 'already running'}: Temporal ${config.temporal.address} (pid ${temporal.record.pid})`,
    );
    const milvus =
      config.milvus.flavor === 'standalone'
        ? await startMilvusStandalone(config, ensureMilvusStandaloneInstalled(config, log))
        : await startMilvus(config, bins.milvusLite);
    log(
      `${milvus.started ? 'started' : 'already running'}: Milvus ${config.milvus.flavor} ${config.milvus.address} (pid ${milvus.record.pid})`,
    );
    await prepareLocalModels(bins.sitePackages, config.embedding.modelsDir);
  }
  const pool = createPool(config.postgres.url, 2);
  try {
    const result = await migrate(pool, config.paths.migrations);
    log(`migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
  } finally {
    await pool.end();
  }
  const added = await ensureSearchAttributes(config);
  if (added.length > 0) log(`registered search attributes: ${added.join(', ')}`);
  return stackStatus(config);
}

export async function stackDown(config: MemflowConfig, log: Log): Promise<void> {
  log(`worker: ${await stopWorker(config)}`);
  log(`milvus: ${await stopMilvus(config)}`);
  log(`temporal: ${await stopTemporal(config)}`);
}

async function probe(
  name: ServiceStatus['name'],
  address: string,
  managed: boolean,
  pid: number | undefined,
  check: () => Promise<string>,
): Promise<ServiceStatus> {
  if (managed && pid === undefined) return { name, state: 'stopped', address };
  try {
    const detail = await check();
    return { name, state: managed ? 'running' : 'external', address, pid, detail };
  } catch (err) {
    return { name, state: 'unhealthy', address, pid, detail: errorMessage(err) };
  }
}

export async function stackStatus(config: MemflowConfig): Promise<StackStatus> {
  const local = config.stackMode === 'local';
  const run = config.paths.run;
  const temporalPid = runningRecord(run, TEMPORAL)?.pid;
  const milvusPid = runningRecord(run, MILVUS)?.pid;
  const workerPid = runningRecord(run, WORKER)?.pid;
  const services = await Promise.all([
    probe('temporal', config.temporal.address, local, temporalPid, async () => `server ${await checkTemporal(config)}`),
    probe('milvus', config.milvus.address, local, milvusPid, async () => `${await checkMilvus(config)} collections`),
    probe('postgres', describeUrl(config.postgres.url), false, undefined, async () => {
      const pool = createPool(config.postgres.url, 1);
      try {
        const applied = await appliedMigrationCount(pool).catch((err: unknown) => {
          throw postgresError(config.postgres.url, err);
        });
        if (applied === undefined) throw new Error('not migrated: run `memflow migrate`');
        return `${applied} migrations applied`;
      } finally {
        await pool.end();
      }
    }),
  ]);
  services.push(
    workerPid === undefined
      ? { name: 'worker', state: 'stopped', address: `task queue ${config.temporal.taskQueue}` }
      : { name: 'worker', state: 'running', address: `task queue ${config.temporal.taskQueue}`, pid: workerPid },
  );
  return { mode: config.stackMode, installed: isStackInstalled(config), temporalUi: config.temporal.uiUrl, services };
}

export function formatStatus(status: StackStatus): string {
  const rows = status.services.map(
    (s) =>
      `  ${s.name.padEnd(9)} ${s.state.padEnd(10)} ${s.address}${s.pid ? ` (pid ${s.pid})` : ''}${s.detail ? ` — ${s.detail}` : ''}`,
  );
  return [`memflow stack (${status.mode})`, ...rows, `  Temporal UI: ${status.temporalUi}`].join('\n');
}
