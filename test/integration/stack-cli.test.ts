import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO_ROOT, loadConfig } from '../../config/config';
import { dropDatabase } from '../../adapters/postgres/ensure-database';
import { connectClient } from '../../adapters/temporal/connection';
import { KEY_ID_METADATA } from '../../adapters/temporal/payload-codec';
import { freePort } from '../../devstack/net';
import { testConfig } from '../support/test-env';

const base = testConfig();
const CLI = path.join(REPO_ROOT, 'bin', 'memflow.js');

function memflow(args: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A private stack: its own Temporal, Milvus and database (so its registry matches its Milvus). */
async function privateStackEnv(home: string): Promise<NodeJS.ProcessEnv> {
  const database = new URL(base.postgres.url);
  database.pathname = `/${path
    .basename(home)
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()}`;
  return {
    DATABASE_URL: database.toString(),
    OPENAI_BASE_URL: '',
    OPENAI_API_KEY: '',
    MEMFLOW_HOME: home,
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    TEMPORAL_UI_PORT: String(await freePort()),
    MILVUS_ADDRESS: `127.0.0.1:${await freePort()}`,
    TEMPORAL_TASK_QUEUE: `${base.temporal.taskQueue}-cli`,
    // As on a developer machine: no key configured, so `stack up` makes the key file.
    MEMFLOW_CODEC_KEYS: '',
  };
}

describe('memflow start / stack up / stack down', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-cli-'));
  let env: NodeJS.ProcessEnv = {};
  after(async () => {
    memflow(['stack', 'down'], env);
    if (env.DATABASE_URL) await dropDatabase(env.DATABASE_URL);
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('start reports every service healthy; up twice is harmless; completed workflows survive down/up', async () => {
    env = await privateStackEnv(home);
    const started = memflow(['start', '--json'], env);
    assert.equal(started.code, 0, started.stderr);
    const output = JSON.parse(started.stdout) as {
      health: { workflowId: string; postgres: string; milvus: string; url: string };
      ingest: { changed: number; failed: number; chunksWritten: number };
      answer: { answer: string; answerKind: string; citations: { source: string }[]; workflowId: string };
    };
    const report = output.health;
    assert.match(report.postgres, /PostgreSQL \d+/);
    assert.match(report.milvus, /collection/);
    assert.ok(report.url.startsWith(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/namespaces/default/workflows/`));
    assert.ok(output.ingest.changed > 0 && output.ingest.chunksWritten > 0, 'the sample corpus was ingested');
    assert.equal(output.answer.workflowId, 'chat/demo/quickstart');
    assert.equal(output.answer.answerKind, 'extractive', 'offline, the answer says it is extractive');
    assert.match(output.answer.answer, /^Extractive answer \(no language model configured\):/);
    assert.ok(output.answer.citations.length > 0, 'the answer cites the sample corpus');
    const keyFile = path.join(home, 'codec-keys');
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600, 'the codec key file is readable by its owner only');
    const keys = fs.readFileSync(keyFile, 'utf8');

    const status = JSON.parse(memflow(['stack', 'status', '--json'], env).stdout) as {
      services: { name: string; state: string; pid?: number }[];
    };
    assert.deepEqual(
      status.services.map((s) => [s.name, s.state]),
      [
        ['temporal', 'running'],
        ['milvus', 'running'],
        ['postgres', 'external'],
        ['worker', 'running'],
      ],
    );

    // The worker `stack up` starts is supervised: SIGKILL it and the supervisor starts another, by itself.
    const supervisor = status.services.find((s) => s.name === 'worker')!.pid!;
    const children = () =>
      spawnSync('ps', ['-o', 'pid=', '--ppid', String(supervisor)], { encoding: 'utf8' })
        .stdout.split('\n')
        .map((l) => Number(l.trim()))
        .filter((n) => n > 0);
    const [first] = children();
    assert.ok(first, 'the supervisor runs a worker child');
    process.kill(first, 'SIGKILL');
    const workerLog = path.join(home, 'logs', 'worker.log');
    for (let i = 0; i < 300; i++) {
      const [next] = children();
      if (
        next &&
        next !== first &&
        fs.readFileSync(workerLog, 'utf8').split(`pid ${next}`)[1]?.includes('memflow worker polling')
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(
      fs.readFileSync(workerLog, 'utf8'),
      new RegExp(`\\[supervisor\\] worker pid ${first} exited \\(SIGKILL\\); restarting in 1 s`),
    );
    assert.ok(children()[0] !== first, 'a new worker runs');
    const healthy = memflow(['health', '--json'], env);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.match(
      (JSON.parse(healthy.stdout) as { milvus: string }).milvus,
      /loaded/,
      'health checks the live collection is loaded',
    );

    const again = memflow(['stack', 'up', '--json'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already running: Temporal/);
    assert.match(again.stderr, /already running: Milvus/);
    assert.equal(fs.readFileSync(keyFile, 'utf8'), keys, 'the key is made once');
    const pidsAfter = (JSON.parse(again.stdout) as typeof status).services.map((s) => s.pid);
    assert.deepEqual(
      pidsAfter,
      status.services.map((s) => s.pid),
      'the second `stack up` started nothing new',
    );

    assert.equal(memflow(['stack', 'down'], env).code, 0);
    const down = JSON.parse(memflow(['stack', 'status', '--json'], env).stdout) as typeof status;
    assert.deepEqual(
      down.services.filter((s) => s.name !== 'postgres').map((s) => s.state),
      ['stopped', 'stopped', 'stopped'],
    );

    assert.equal(memflow(['stack', 'up'], env).code, 0);
    const config = loadConfig({ ...process.env, ...env });
    assert.equal(config.codec.source, keyFile);
    const client = await connectClient(config);
    try {
      const described = await client.workflow.getHandle(report.workflowId).describe();
      assert.equal(described.status.name, 'COMPLETED');
      // The background worker encrypted the result with the key file's key.
      const history = await client.workflow.getHandle(report.workflowId).fetchHistory();
      const completed = history.events?.find((e) => e.workflowExecutionCompletedEventAttributes);
      const keyId =
        completed?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.metadata?.[KEY_ID_METADATA];
      assert.equal(keyId && Buffer.from(keyId).toString(), config.codec.keys[0]?.id);
      const listed: string[] = [];
      for await (const wf of client.workflow.list({ query: `WorkflowType = 'healthCheck'` }))
        listed.push(wf.workflowId);
      assert.ok(listed.includes(report.workflowId));
    } finally {
      await client.connection.close();
    }
  });
});

describe('bad configuration fails fast with a message that says what to do', () => {
  test('unreachable Postgres', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bad-'));
    try {
      const result = memflow(['stack', 'up'], { MEMFLOW_HOME: home, DATABASE_URL: 'postgres://127.0.0.1:1/memflow' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /POSTGRES_UNREACHABLE: PostgreSQL at 127\.0\.0\.1:1\/memflow is unreachable/);
      assert.match(result.stderr, /DATABASE_URL/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('a port taken by another process', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bad-'));
    const env = await privateStackEnv(home);
    try {
      const result = memflow(['stack', 'up'], { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`PORT_TAKEN: Port 127.0.0.1:${port} is taken`));
      assert.match(result.stderr, /set TEMPORAL_ADDRESS/);
      assert.equal(fs.existsSync(path.join(home, 'run', 'milvus.json')), false, 'nothing else was started');
    } finally {
      blocker.close();
      await dropDatabase(env.DATABASE_URL!);
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  test('no usable Python for the venv', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bad-'));
    const result = memflow(['stack', 'up'], {
      MEMFLOW_HOME: home,
      MEMFLOW_VENV: path.join(home, 'venv'),
      PYTHON: '/nonexistent/python3',
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /STACK_INSTALL_FAILED: Creating the Python venv failed/);
    assert.match(result.stderr, /python3/);
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('external mode without a payload codec key: the worker and the client refuse to start', () => {
    const env = { MEMFLOW_STACK_MODE: 'external', MEMFLOW_CODEC_KEYS: '' };
    for (const args of [['worker'], ['chat', '--tenant', 't', '--session', 's', 'hello'], ['health']]) {
      const result = memflow(args, env);
      assert.equal(result.code, 1, args[0]);
      assert.match(result.stderr, /CONFIG_INVALID: No payload codec key: set MEMFLOW_CODEC_KEYS/, args[0]);
      assert.doesNotMatch(result.stdout, /ready|polling/i, args[0]);
    }
  });

  test('an invalid variable', () => {
    const result = memflow(['stack', 'status'], { TEMPORAL_ADDRESS: 'nope' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /CONFIG_INVALID[\s\S]*TEMPORAL_ADDRESS: must look like host:port/);
  });
});
