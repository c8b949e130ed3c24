/**
 * `npm test`: brings up a private stack for this run (its own Temporal dev server and Milvus on
 * free ports, its own database, collection prefix and task queue under a temp MEMFLOW_HOME), runs
 * every test file against it with node's test runner, then tears all of it down.
 *
 * Usage: npm test [-- test/unit/foo.test.ts …]
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCodecKey } from '../config/codec-keys';
import { REPO_ROOT, loadConfig } from '../config/config';
import { redactUrl } from '../config/redact';
import { dropDatabase } from '../adapters/postgres/ensure-database';
import { ensureStackInstalled } from '../devstack/install';
import { freePort } from '../devstack/net';
import { stackDown, stackUp } from '../devstack/stack';

/**
 * The run's payload codec keys: a fresh key per run, so no test can pass by reading another run's
 * payloads. Recording replay fixtures (MEMFLOW_RECORD_HISTORIES) uses the fixtures' committed test
 * key instead, so the replay test can decrypt what was recorded (test/replay/codec-keys).
 */
function runCodecKeys(): string {
  if (!process.env.MEMFLOW_RECORD_HISTORIES) return generateCodecKey('test');
  return fs.readFileSync(path.join(REPO_ROOT, 'test', 'replay', 'codec-keys'), 'utf8');
}

function testFiles(args: string[]): string[] {
  if (args.length > 0) return args.map((a) => path.resolve(a));
  const files: string[] = [];
  for (const dir of ['unit', 'integration']) {
    const folder = path.join(REPO_ROOT, 'test', dir);
    if (!fs.existsSync(folder)) continue;
    for (const f of fs.readdirSync(folder).sort()) if (f.endsWith('.test.ts')) files.push(path.join(folder, f));
  }
  return files;
}

async function main(): Promise<number> {
  const log = (line: string) => console.error(`[test-stack] ${line}`);
  const base = loadConfig();
  // The venv and models are shared and read-only for tests; everything else is per run.
  ensureStackInstalled(base, log);
  const runId = crypto.randomBytes(4).toString('hex');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `memflow-test-${runId}-`));
  const database = new URL(base.postgres.url);
  database.pathname = `/memflow_test_${runId}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEMFLOW_HOME: home,
    MEMFLOW_VENV: base.paths.venv,
    MEMFLOW_MODELS_DIR: base.embedding.modelsDir,
    MEMFLOW_STACK_MODE: 'local',
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: `memflow-test-${runId}`,
    MILVUS_ADDRESS: `127.0.0.1:${await freePort()}`,
    MEMFLOW_COLLECTION_PREFIX: `t${runId}`,
    DATABASE_URL: database.toString(),
    MEMFLOW_TEST_RUN: runId,
    MEMFLOW_LOG_LEVEL: process.env.MEMFLOW_LOG_LEVEL ?? 'WARN',
    MEMFLOW_CODEC_KEYS: runCodecKeys(),
  };
  const config = loadConfig(env);
  let code = 1;
  try {
    const started = Date.now();
    await stackUp(config, log);
    log(
      `stack up in ${((Date.now() - started) / 1000).toFixed(1)}s: Temporal ${env.TEMPORAL_ADDRESS}, Milvus ${env.MILVUS_ADDRESS}, ${redactUrl(config.postgres.url)}`,
    );
    const files = testFiles(process.argv.slice(2));
    code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', 'spec', ...files], {
        env,
        stdio: 'inherit',
        cwd: REPO_ROOT,
      });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.once('SIGINT', forward);
      process.once('SIGTERM', forward);
      child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
    });
  } finally {
    await stackDown(config, log).catch((err: unknown) => log(`stack down failed: ${String(err)}`));
    await dropDatabase(config.postgres.url).catch((err: unknown) => log(`drop database failed: ${String(err)}`));
    if (code === 0 || !process.env.MEMFLOW_KEEP_TEST_HOME) fs.rmSync(home, { recursive: true, force: true });
    else log(`kept ${home} for inspection`);
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
