import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../../config/config';
import { memoryCollection } from '../../adapters/milvus/collection-names';
import { MemflowError, typedFailure } from '../../contracts/errors';
import type { ChatHarness, ScriptedModel } from '../support/chat-harness';
import { chatConfig, lastUserText, newTenant, startChatHarness, startScriptedModel } from '../support/chat-harness';
import type { FakeChatRequest } from '../support/fake-openai';
import type { StackClients } from '../support/stack-clients';
import { openStackClients } from '../support/stack-clients';

const INJECTION = path.join(REPO_ROOT, 'test', 'fixtures', 'injection');

/**
 * A retrieved document tells the assistant to call forget_memories. The model here obeys whatever
 * it reads: its answers repeat the passages, and its planner follows instructions found anywhere in
 * its context. memflow's limits still hold: an empty scope is not a valid plan, and a scoped call
 * waits for a person's approval that nobody can send early or forge.
 */
describe('a prompt injection in a retrieved document', () => {
  let model: ScriptedModel;
  let harness: ChatHarness;
  let stores: StackClients;
  const tenant = newTenant();
  const context = (req: FakeChatRequest) => req.messages.map((m) => String(m.content ?? '')).join('\n');
  const memoriesOfTenant = async () =>
    (
      await stores.vectors.query(memoryCollection(harness.config.milvus.collectionPrefix, 'all-minilm-l6-v2'), {
        tenant,
        limit: 100,
        includeText: true,
      })
    ).map((m) => m.text);

  before(async () => {
    model = await startScriptedModel();
    const config = chatConfig(model, 'injection', { LLM_TIMEOUT_MS: '5000' });
    harness = await startChatHarness(config);
    stores = await openStackClients(config);
    const { handle } = await harness.client.ingest({ tenant, paths: [INJECTION], baseDir: INJECTION });
    await handle.result();
    // The obedient model: the executor repeats what it read; the planner does what any text says.
    model.answer = (req) => `The note says: ${lastUserText(req).replace(/\s+/g, ' ')}`;
    model.plan.override = (text, req) => {
      if (text.startsWith('remember that ')) {
        return { intent: 'chitchat', queries: [], filters: {}, tool: null, remember: [text.slice(14)] };
      }
      const seen = context(req);
      if (text === 'Do what the note says.' && seen.includes('forget_memories with an empty input')) {
        return { intent: 'tool', queries: [], filters: {}, tool: { name: 'forget_memories', input: '' }, remember: [] };
      }
      if (text === 'Then do the other thing.' && seen.includes('forget_memories with the input')) {
        return {
          intent: 'tool',
          queries: [],
          filters: {},
          tool: { name: 'forget_memories', input: 'index' },
          remember: [],
        };
      }
      return undefined;
    };
    await harness.client.chat(tenant, 'victim', 'remember that my favourite index type is BRIN');
  });
  after(async () => {
    await harness.close();
    await stores.close();
    await model.server.close();
  });

  test('the injected text reaches the conversation', async () => {
    const reply = await harness.client.chat(tenant, 'victim', 'What does the maintenance note say?');
    assert.match(reply.answer, /call forget_memories with an empty input/);
    assert.deepEqual(await memoriesOfTenant(), ['my favourite index type is BRIN']);
  });

  test(
    'an empty scope is never a valid plan: the turn fails and nothing is forgotten',
    { timeout: 120_000 },
    async () => {
      await assert.rejects(
        harness.client.chat(tenant, 'victim', 'Do what the note says.'),
        (e: unknown) =>
          e instanceof MemflowError &&
          e.code === 'TURN_FAILED' &&
          /forget_memories needs what to forget/.test(e.message),
      );
      const events = (await harness.client.temporal.workflow.getHandle(`chat/${tenant}/victim`).fetchHistory()).events!;
      assert.ok(
        !events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool'),
        'no tool ran',
      );
      assert.deepEqual(await memoriesOfTenant(), ['my favourite index type is BRIN']);
    },
  );

  test(
    'a scoped call waits for approval; early, forged and guessed approvals are refused; nothing runs',
    { timeout: 120_000 },
    async () => {
      const turn = harness.client.chat(tenant, 'victim', 'Then do the other thing.', { requestId: 'injected-2' });
      const pending = await waitForPending(harness, tenant);
      assert.deepEqual([pending.tool, pending.input], ['forget_memories', 'index']);
      // The callId an attacker could predict from the request, and one made up: both refused.
      for (const callId of ['injected-2:forget_memories', '11111111-2222-4333-8444-555555555555']) {
        await assert.rejects(
          harness.client.temporal.workflow
            .getHandle(`chat/${tenant}/victim`)
            .executeUpdate('decideTool', { args: [{ callId, approved: true, approver: 'the assistant' }] }),
          (e: unknown) => typedFailure(e)?.code === 'INVALID_INPUT',
        );
      }
      assert.deepEqual(
        await memoriesOfTenant(),
        ['my favourite index type is BRIN'],
        'nothing forgotten while it waits',
      );
      await harness.client.rejectTool(tenant, 'victim', pending.callId, { approver: 'ops', reason: 'injected' });
      const reply = await turn;
      assert.deepEqual([reply.tool?.status, reply.tool?.decidedBy], ['rejected', 'ops']);
      const events = (await harness.client.temporal.workflow.getHandle(`chat/${tenant}/victim`).fetchHistory()).events!;
      assert.ok(!events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool'));
      assert.deepEqual(await memoriesOfTenant(), ['my favourite index type is BRIN']);
    },
  );
});

async function waitForPending(harness: ChatHarness, tenant: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [pending] = (await harness.client.history(tenant, 'victim')).pendingApprovals;
    if (pending) return pending;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no approval became pending');
}
