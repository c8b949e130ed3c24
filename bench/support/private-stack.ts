/**
 * A private stack for one benchmark run, set up the way `npm test` sets up its own (test/run.ts):
 * its own Temporal dev server and Milvus on free ports, its own database, collection prefix and
 * task queue under a temporary MEMFLOW_HOME. It never touches a stack the developer already runs,
 * and `down()` removes all of it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MemflowConfig } from '../../config/config';
import { loadConfig } from '../../config/config';
import { dropDatabase } from '../../adapters/postgres/ensure-database';
import { countDatabaseAsOwn } from './cpu-meter';
import { errorMessage } from '../../contracts/errors';
import { ensureStackInstalled } from '../../devstack/install';
import { freePort } from '../../devstack/net';
import type { Log } from '../../devstack/stack';
import { stackDown, stackUp } from '../../devstack/stack';

export interface PrivateStack {
  runId: string;
  /** The temporary MEMFLOW_HOME (data, logs, pid files); scratch files may go here too. */
  home: string;
  /** The configuration of the private stack. */
  config: MemflowConfig;
  /** The configuration the run was derived from (shared venv, models and `.memflow/corpus`). */
  base: MemflowConfig;
  /**
   * Registers in-process cleanup (stop a worker, close pools) that `down()` runs first, newest
   * first: the database is dropped with FORCE, which would break connections still open.
   */
  onTeardown(cleanup: () => unknown): void;
  /** Runs the cleanups, stops Temporal and Milvus, drops the database, removes the home. Idempotent; never throws. */
  down(): Promise<void>;
}

export interface PrivateStackOptions {
  /** Names the database (`memflow_<label>_<id>`), task queue and temp folder, e.g. `bench`. */
  label: string;
  log: Log;
  /** Environment to derive from (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
  /** Keep the home folder on `down()` for inspection. */
  keepHome?: boolean;
  /** Aborts the run (e.g. an overall time limit): the stack is torn down and the reason thrown. */
  signal?: AbortSignal;
  /** An overall time limit (the benchmarks' `--timeout-minutes`): past it the stack is torn down and the run fails. */
  timeoutMinutes?: number;
  /** Which Milvus to run (default `lite`); `standalone` installs PyPI Milvus 2.3 on first use. */
  milvusFlavor?: MemflowConfig['milvus']['flavor'];
}

/** How long one cleanup may take (a worker drains in-flight activities for up to its grace time). */
const CLEANUP_TIMEOUT_MS = 30_000;

async function runCleanup(cleanup: () => unknown, log: Log): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log(`a cleanup did not finish within ${CLEANUP_TIMEOUT_MS / 1000}s; going on with the teardown`);
      resolve();
    }, CLEANUP_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.resolve().then(cleanup), timeout]);
  } catch (err) {
    log(`cleanup failed: ${errorMessage(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a private stack; on a failure part-way, whatever was started is torn down before rethrowing. */
export async function startPrivateStack(options: PrivateStackOptions): Promise<PrivateStack> {
  const { label, log } = options;
  if (!/^[a-z][a-z0-9]{0,15}$/.test(label)) throw new Error(`label must be lowercase letters and digits, got ${label}`);
  const parent = options.env ?? process.env;
  const base = loadConfig(parent);
  // The venv and models are shared and read-only here; everything else is per run.
  ensureStackInstalled(base, log);
  const runId = crypto.randomBytes(4).toString('hex');
  const database = new URL(base.postgres.url);
  database.pathname = `/memflow_${label}_${runId}`;
  // Its PostgreSQL server processes do the product's work (registry reads, the lexical leg): CPU
  // meters count them as the benchmark's own, not as other load.
  const forgetDatabase = countDatabaseAsOwn(database.pathname.slice(1));
  const [temporalPort, uiPort, milvusPort] = [await freePort(), await freePort(), await freePort()];
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `memflow-${label}-${runId}-`));
  const stackEnv: NodeJS.ProcessEnv = {
    ...parent,
    MEMFLOW_HOME: home,
    MEMFLOW_VENV: base.paths.venv,
    MEMFLOW_MODELS_DIR: base.embedding.modelsDir,
    MEMFLOW_STACK_MODE: 'local',
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_UI_PORT: String(uiPort),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: `memflow-${label}-${runId}`,
    MILVUS_ADDRESS: `127.0.0.1:${milvusPort}`,
    MILVUS_FLAVOR: options.milvusFlavor ?? 'lite',
    MEMFLOW_COLLECTION_PREFIX: `${label}_${runId}`,
    DATABASE_URL: database.toString(),
    MEMFLOW_LOG_LEVEL: parent.MEMFLOW_LOG_LEVEL || 'WARN',
  };
  let config = loadConfig(stackEnv);

  const cleanups: (() => unknown)[] = [];
  let stopped: Promise<void> | undefined;
  const down = (): Promise<void> => {
    stopped ??= (async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await runCleanup(cleanup, log);
      await stackDown(config, log).catch((err: unknown) => log(`stack down failed: ${errorMessage(err)}`));
      await dropDatabase(config.postgres.url).catch((err: unknown) =>
        log(`drop database failed: ${errorMessage(err)}`),
      );
      forgetDatabase();
      if (options.keepHome) log(`kept ${home} for inspection`);
      else fs.rmSync(home, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const started = Date.now();
    await stackUp(config, log);
    // Read again: `stack up` created the payload codec key file in the new home (unless
    // MEMFLOW_CODEC_KEYS is set), which the bench's clients and workers (given this home) use.
    config = loadConfig(stackEnv);
    options.signal?.throwIfAborted();
    log(
      `stack up in ${((Date.now() - started) / 1000).toFixed(1)}s: Temporal ${config.temporal.address}, ` +
        `Milvus ${config.milvus.address}, database ${database.pathname.slice(1)}`,
    );
  } catch (err) {
    await down();
    throw err;
  }
  return { runId, home, config, base, onTeardown: (cleanup) => void cleanups.push(cleanup), down };
}

/** Rejects with the signal's reason once it aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * Runs `fn` against a private stack and always tears the stack down afterwards: when `fn` returns
 * or throws, when `options.signal` aborts (a time limit) and on SIGINT/SIGTERM. On an abort the
 * reason is thrown once the stack is down, without waiting for `fn`, whose work is abandoned: its
 * late errors (connections closing under it) are logged, not fatal. The caller should then exit.
 */
export async function withPrivateStack<T>(
  options: PrivateStackOptions,
  fn: (stack: PrivateStack, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (options.timeoutMinutes !== undefined) {
    const { timeoutMinutes, ...rest } = options;
    const limit = AbortSignal.timeout(timeoutMinutes * 60_000);
    return withPrivateStack({ ...rest, signal: rest.signal ? AbortSignal.any([rest.signal, limit]) : limit }, fn).catch(
      (err: unknown) => {
        if (!limit.aborted) throw err;
        throw new Error(
          `Not finished within the time limit (--timeout-minutes ${timeoutMinutes}); the stack was torn down.`,
        );
      },
    );
  }
  const interrupted = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    options.log(`${name}: tearing the private stack down`);
    interrupted.abort(new Error(`interrupted by ${name}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const signal = options.signal ? AbortSignal.any([options.signal, interrupted.signal]) : interrupted.signal;
  const abandon = () => {
    const late = (err: unknown) => options.log(`ignored after the abort: ${errorMessage(err)}`);
    process.on('uncaughtException', late);
    process.on('unhandledRejection', late);
  };
  signal.addEventListener('abort', abandon, { once: true });
  let stack: PrivateStack | undefined;
  try {
    stack = await startPrivateStack({ ...options, signal });
    const work = fn(stack, signal);
    work.catch(() => undefined); // after an abort its late failure is expected, and not unhandled
    return await Promise.race([work, aborted(signal)]);
  } finally {
    signal.removeEventListener('abort', abandon);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stack?.down();
  }
}
