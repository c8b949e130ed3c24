import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { MemflowClient } from '../../client/memflow-client';
import { MemflowError } from '../../contracts/errors';
import type { ScriptedModel } from '../support/chat-harness';
import { newTenant, startScriptedModel } from '../support/chat-harness';
import type { CodecServerProcess } from '../support/temporal-cli';
import { searchableText, spawnCodecServer, workflowShowJson } from '../support/temporal-cli';
import { testConfig } from '../support/test-env';
import type { WorkerProcess } from '../support/worker-process';
import { spawnWorker, waitForExit } from '../support/worker-process';

const API_KEY = 'sk-test-SECRET123';
const URL_PASSWORD = 's3cret-pass';
const DB_PASSWORD = 'db-s3cret-PW';
const SECRETS = [API_KEY, URL_PASSWORD, DB_PASSWORD];

/**
 * Two workers with credentials everywhere: in OPENAI_BASE_URL (which fetch refuses to use, quoting
 * the whole URL in its error), in OPENAI_API_KEY (which the endpoint quotes back in a 401, as
 * OpenAI's does) and in DATABASE_URL (trust auth ignores the password). A turn fails on each; then
 * what a key holder can read, the decoded history and the workers' logs, holds none of them.
 */
describe('secrets never reach history or logs', () => {
  let model: ScriptedModel;
  let codecServer: CodecServerProcess;
  const workers: WorkerProcess[] = [];
  const clients: MemflowClient[] = [];
  const queue = (name: string) => `${process.env.TEMPORAL_TASK_QUEUE}-redaction-${name}`;

  before(async () => {
    model = await startScriptedModel();
    codecServer = await spawnCodecServer();
  });
  after(async () => {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map(waitForExit));
    await Promise.all(clients.map((c) => c.close()));
    await codecServer?.stop();
    await model.server.close();
  });

  async function startWorker(name: string, openAiBaseUrl: string) {
    const database = new URL(testConfig().postgres.url);
    database.username = process.env.PGUSER ?? os.userInfo().username;
    database.password = DB_PASSWORD;
    const env = {
      TEMPORAL_TASK_QUEUE: queue(name),
      OPENAI_BASE_URL: openAiBaseUrl,
      OPENAI_API_KEY: API_KEY,
      LLM_MODEL: 'fake-model',
      LLM_TIMEOUT_MS: '1500',
      DATABASE_URL: database.toString(),
      MEMFLOW_LOG_LEVEL: 'WARN',
    };
    const worker = await spawnWorker(env);
    workers.push(worker);
    const client = await MemflowClient.connect(testConfig(env));
    clients.push(client);
    return { worker, client };
  }

  async function failedTurn(client: MemflowClient, tenant: string, evidence: RegExp): Promise<string> {
    let message = '';
    await assert.rejects(client.chat(tenant, 'leak', 'How long is the Aurora Kettle warranty?'), (e: unknown) => {
      assert.ok(e instanceof MemflowError && e.code === 'TURN_FAILED', String(e));
      message = e.message;
      return true;
    });
    assert.match(message, evidence, 'the failure says what went wrong');
    return message;
  }

  test('a base URL with credentials that fetch refuses, and an endpoint quoting the API key back', async () => {
    const port = new URL(model.server.url).port;
    const [withCredentials, quoting] = await Promise.all([
      startWorker('url', `http://user:${URL_PASSWORD}@127.0.0.1:${port}/v1`),
      startWorker('key', model.server.url),
    ]);
    const tenants = { url: newTenant(), key: newTenant() };
    // Every place a secret turns up, so one run names them all.
    const leaks: string[] = [];
    const search = (text: string, where: string) => {
      for (const secret of SECRETS) if (text.includes(secret)) leaks.push(`${where} holds ${secret}`);
    };

    const refused = await failedTurn(withCredentials.client, tenants.url, /includes credentials: http:\/\/user:/);
    model.server.inject({ status: 401, message: `Incorrect API key provided: ${API_KEY}`, path: '/chat/completions' });
    const quoted = await failedTurn(quoting.client, tenants.key, /401 Incorrect API key provided/);
    search(`${refused}\n${quoted}`, 'the failures the client read');

    for (const tenant of Object.values(tenants)) {
      const history = searchableText(
        await workflowShowJson(withCredentials.client.config, `chat/${tenant}/leak`, codecServer.url),
      );
      assert.match(
        history,
        /chat completion \(fake-model at http:\/\/.*(could not connect|HTTP 401)/s,
        'decoded failure messages are read',
      );
      search(history, `the decoded history of chat/${tenant}/leak`);
    }
    // Stopped workers have written every log line (forwarded core logs are buffered): read them whole.
    for (const worker of [withCredentials.worker, quoting.worker]) worker.kill('SIGTERM');
    await Promise.all([withCredentials.worker, quoting.worker].map(waitForExit));
    for (const [worker, evidence] of [
      [withCredentials.worker, /could not connect/],
      [quoting.worker, /HTTP 401/],
    ] as const) {
      assert.match(worker.output(), evidence, 'the worker logged the failed step');
      search(worker.output(), `the log of worker ${worker.pid}`);
    }
    assert.deepEqual(leaks, []);
    assert.match(refused, /user:\*\*\*@127\.0\.0\.1/, 'the URL is quoted with its password masked');
    assert.match(quoted, /Incorrect API key provided: \*\*\*/, 'the key is masked where the endpoint quoted it');
  });
});
