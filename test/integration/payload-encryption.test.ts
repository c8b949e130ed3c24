import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MemflowError } from '../../contracts/errors';
import type { ChatHarness, ScriptedModel } from '../support/chat-harness';
import {
  CORPUS,
  chatConfig,
  ingestFor,
  newTenant,
  requestKind,
  startChatHarness,
  startScriptedModel,
} from '../support/chat-harness';
import type { CodecServerProcess } from '../support/temporal-cli';
import { searchableText, spawnCodecServer, workflowShowJson } from '../support/temporal-cli';

describe('payloads in Temporal are encrypted; the codec server decrypts them for key holders', () => {
  let model: ScriptedModel;
  let harness: ChatHarness;
  let codecServer: CodecServerProcess;
  const tenant = newTenant();
  const marker = crypto.randomBytes(4).toString('hex');
  const question = `Private question ${marker}: how long is the Aurora Kettle warranty?`;
  const answer = `Private answer ${marker}: two years [1].`;
  const failureText = `private failure ${marker}`;

  before(async () => {
    model = await startScriptedModel();
    const scripted = model.server.respond;
    model.server.respond = (req) => (requestKind(req) === 'executor' ? answer : scripted(req));
    harness = await startChatHarness(chatConfig(model, 'encryption'));
    await ingestFor(harness, tenant, [CORPUS]);
    codecServer = await spawnCodecServer();
  });
  after(async () => {
    await codecServer?.stop();
    await harness.close();
    await model.server.close();
  });

  test('after a turn and a failed turn, history holds neither text nor failure message without the key', async () => {
    const reply = await harness.client.chat(tenant, 'secret', question);
    assert.equal(reply.answer, answer, 'the client reads what the worker encrypted');
    model.server.inject({ status: 400, message: failureText, path: '/chat/completions' });
    await assert.rejects(
      harness.client.chat(tenant, 'secret', `Second question ${marker}`),
      (e: unknown) => e instanceof MemflowError && e.code === 'TURN_FAILED' && e.message.includes(failureText),
    );

    const workflowId = `chat/${tenant}/secret`;
    const plain = searchableText(await workflowShowJson(harness.config, workflowId));
    assert.match(plain, /binary\/encrypted/, 'payloads are marked encrypted');
    assert.match(plain, /Encoded failure/, 'failure messages are encoded (encodeCommonAttributes)');
    assert.match(plain, /TURN_FAILED|LLM_BAD_REQUEST/, "a failure's type (the error code) stays readable");
    for (const secret of [marker, 'Aurora Kettle', 'two years', failureText]) {
      assert.ok(!plain.includes(secret), `${JSON.stringify(secret)} is not in the history without the key`);
    }

    const decoded = searchableText(await workflowShowJson(harness.config, workflowId, codecServer.url));
    for (const text of [question, answer, failureText, `Second question ${marker}`]) {
      assert.ok(decoded.includes(text), `${JSON.stringify(text)} is in the history decoded by the codec server`);
    }
  });
});
