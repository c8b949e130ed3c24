import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { MemflowClient } from '../../client/memflow-client';
import { REPO_ROOT } from '../../config/config';
import { MemflowError } from '../../contracts/errors';
import type { ChatHarness, ScriptedModel } from '../support/chat-harness';
import {
  CORPUS,
  chatConfig,
  ingestFor,
  lastUserText,
  newTenant,
  startChatHarness,
  startScriptedModel,
} from '../support/chat-harness';
import { spawnWorker, waitForExit } from '../support/worker-process';

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('chat sessions: tools, memory, continue-as-new', () => {
  let model: ScriptedModel;
  let harness: ChatHarness;
  const tenant = newTenant();

  before(async () => {
    model = await startScriptedModel();
    harness = await startChatHarness(chatConfig(model, 'chat-session'));
    await ingestFor(harness, tenant, [CORPUS]);
  });
  after(async () => {
    await harness.close();
    await model.server.close();
  });

  test('the calculator runs without approval; its result reaches the executor', async () => {
    model.plan.override = (text) =>
      text.startsWith('compute')
        ? {
            intent: 'tool',
            queries: [],
            filters: {},
            tool: { name: 'calculator', input: '(12+3)*7 - 2^3' },
            remember: [],
          }
        : undefined;
    try {
      const reply = await harness.client.chat(tenant, 'tools', 'compute the total please');
      assert.deepEqual(reply.tool && [reply.tool.name, reply.tool.status, reply.tool.output], [
        'calculator',
        'ran',
        '(12+3)*7 - 2^3 = 97',
      ]);
      // No query, so no retrieval: the turn pinned the live collection on its own.
      assert.deepEqual(reply.citations, []);
      assert.match(reply.indexVersion, /_chunks_all_minilm_l6_v2_v0$/);
    } finally {
      model.plan.override = undefined;
    }
  });

  test('a tool that needs approval waits durably; approve runs it, reject answers without it', async () => {
    model.plan.override = (text) =>
      text.startsWith('remember')
        ? {
            intent: 'search',
            queries: [text],
            filters: {},
            tool: null,
            remember: [text.replace(/^remember that /, '')],
          }
        : text.startsWith('forget')
          ? { intent: 'tool', queries: [], filters: {}, tool: { name: 'forget_memories', input: 'teal' }, remember: [] }
          : undefined;
    try {
      await harness.client.chat(tenant, 'approvals', 'remember that my favourite colour is teal');
      const executorBefore = model.count('executor');
      const approved = harness.client.chat(tenant, 'approvals', 'forget what you know about my colour', {
        requestId: 'forget-1',
      });
      const approval = await waitFor(
        async () => (await harness.client.history(tenant, 'approvals')).pendingApprovals[0],
        'a pending approval',
      );
      assert.deepEqual([approval.tool, approval.input, approval.requestId], ['forget_memories', 'teal', 'forget-1']);
      assert.match(approval.callId, /^[0-9a-f-]{36}$/, 'a random callId, not one derived from the request');
      assert.notEqual(approval.callId, 'forget-1:forget_memories');
      // A decision for a call that is not waiting is refused, and the caller learns it.
      await assert.rejects(
        harness.client.approveTool(tenant, 'approvals', '00000000-0000-4000-8000-000000000000', {
          approver: 'mallory',
        }),
        (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT' && /No tool call/.test(e.message),
      );
      await harness.client.approveTool(tenant, 'approvals', approval.callId, {
        approver: 'ops@acme.example',
        reason: 'the user asked',
      });
      await assert.rejects(
        harness.client.rejectTool(tenant, 'approvals', approval.callId, { approver: 'late' }),
        (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT',
        'an already-decided call cannot be decided again',
      );
      const reply = await approved;
      assert.deepEqual(
        [reply.tool?.status, reply.tool?.output, reply.tool?.decidedBy, reply.tool?.reason, reply.tool?.policy],
        ['ran', 'Forgot 1 memory mentioning "teal".', 'ops@acme.example', 'the user asked', 'approve'],
      );
      assert.equal(model.count('executor'), executorBefore + 1);
      // History shows the order: the decision was accepted before the executor was scheduled.
      const events = (await harness.client.temporal.workflow.getHandle(`chat/${tenant}/approvals`).fetchHistory())
        .events!;
      const accepted = events.findIndex(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'decideTool',
      );
      const lastWrite = events
        .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
        .lastIndexOf('writeAnswer');
      assert.ok(accepted > 0 && lastWrite > accepted, 'writeAnswer was scheduled only after the approval');

      const rejected = harness.client.chat(tenant, 'approvals', 'forget it again', { requestId: 'forget-2' });
      const second = await waitFor(
        async () => (await harness.client.history(tenant, 'approvals')).pendingApprovals[0],
        'a second approval',
      );
      await harness.client.rejectTool(tenant, 'approvals', second.callId, {
        approver: 'ops@acme.example',
        reason: 'not now',
      });
      const answer = await rejected;
      assert.deepEqual(
        [answer.tool?.status, answer.tool?.reason, answer.tool?.decidedBy],
        ['rejected', 'not now', 'ops@acme.example'],
      );
      assert.equal((await harness.client.history(tenant, 'approvals')).pendingApprovals.length, 0);
    } finally {
      model.plan.override = undefined;
    }
  });

  test('long-term memory written in one session is recalled by another session of the tenant only', async () => {
    model.plan.override = (text) =>
      text.startsWith('note:')
        ? {
            intent: 'chitchat',
            queries: [text],
            filters: {},
            tool: null,
            remember: ['The user is allergic to bee stings'],
          }
        : undefined;
    try {
      await harness.client.chat(tenant, 'mem-a', 'note: I am allergic to bee stings', { requestId: 'mem-1' });
      await harness.client.chat(tenant, 'mem-a', 'note: I am allergic to bee stings', { requestId: 'mem-1' }); // a retry stores nothing new
      let seen = '';
      model.beforeExecutor = (req) => {
        seen = lastUserText(req);
      };
      await harness.client.chat(tenant, 'mem-b', 'What should I know before visiting the bee orchard?');
      // The planner's wording, not the user's: recalled with its provenance.
      assert.match(
        seen,
        /Remembered facts about the user:\n- \(inferred earlier, unconfirmed\) The user is allergic to bee stings/,
      );
      const other = newTenant();
      await ingestFor(harness, other, [path.join(CORPUS, 'orchard-beekeeping-notes.txt')]);
      await harness.client.chat(other, 'mem-c', 'What should I know before visiting the bee orchard?');
      assert.doesNotMatch(seen, /allergic/, "another tenant's turn never sees this tenant's memories");
    } finally {
      model.plan.override = undefined;
      model.beforeExecutor = undefined;
    }
  });

  test('an idle session ends by itself after its inactivity timeout; the next message starts a new run', async () => {
    const session = { idleTimeoutMs: 1500 };
    await harness.client.chat(tenant, 'idle', 'How long is the Aurora Kettle warranty?', { session });
    const handle = harness.client.temporal.workflow.getHandle(`chat/${tenant}/idle`);
    const firstRun = (await handle.describe()).runId;
    assert.deepEqual(await handle.result(), { reason: 'idle', turnCount: 1 });
    const again = await harness.client.chat(tenant, 'idle', 'Which lock does VACUUM FULL take?', { session });
    assert.ok(again.citations.length > 0);
    assert.notEqual((await handle.describe()).runId, firstRun, 'a new run of the same session id took the message');
  });

  test('a long session continues-as-new and keeps its memory and replies', async () => {
    const session = { maxHistoryEvents: 60 };
    const first = await harness.client.chat(tenant, 'long', 'How long is the Aurora Kettle warranty?', {
      requestId: 'long-0',
      session,
    });
    const firstRunId = (await harness.client.temporal.workflow.getHandle(`chat/${tenant}/long`).describe()).runId;
    for (let i = 1; i < 12; i++)
      await harness.client.chat(tenant, 'long', `Which lock does VACUUM FULL take? (${i})`, {
        requestId: `long-${i}`,
        session,
      });
    const history = await harness.client.history(tenant, 'long');
    assert.ok(history.runs > 1, `continued as new (${history.runs} runs)`);
    assert.equal(history.turnCount, 12);
    assert.match(history.summary, /Aurora Kettle/, 'the first question lives on in the summary');
    assert.ok(
      history.turns.length < 12 && history.turns.at(-1)?.requestId === 'long-11',
      'older turns were folded away',
    );
    const handle = harness.client.temporal.workflow.getHandle(`chat/${tenant}/long`);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    // A requestId answered before the last continue-as-new still gets its reply, with no new turn.
    const executorBefore = model.count('executor');
    const replayed = await harness.client.chat(tenant, 'long', 'Which lock does VACUUM FULL take? (11)', {
      requestId: 'long-11',
      session,
    });
    assert.equal(model.count('executor'), executorBefore);
    assert.equal((await harness.client.history(tenant, 'long')).turnCount, 12);
    assert.ok(replayed.citations.length > 0 && first.citations.length > 0);

    await harness.client.endSession(tenant, 'long');
    assert.deepEqual(await handle.result(), { reason: 'ended', turnCount: 12 });
    if (process.env.MEMFLOW_RECORD_HISTORIES) {
      // Refreshes the committed replay fixtures (test/replay/histories) from this run: the session's
      // first run (its turns, then continue-as-new) and the approvals session.
      const dir = path.join(REPO_ROOT, 'test', 'replay', 'histories');
      fs.mkdirSync(dir, { recursive: true });
      const firstRun = harness.client.temporal.workflow.getHandle(`chat/${tenant}/long`, firstRunId);
      // The same proto3 JSON `temporal workflow show --output json` writes.
      fs.writeFileSync(path.join(dir, 'chat-session.json'), historyToJSON(await firstRun.fetchHistory()));
      const approvals = await harness.client.temporal.workflow.getHandle(`chat/${tenant}/approvals`).fetchHistory();
      fs.writeFileSync(path.join(dir, 'chat-session-approvals.json'), historyToJSON(approvals));
    }
  });
});

describe('a worker killed while the executor waits on the LLM', () => {
  // Ordinary LLM activities: the planner's result is in history, only the executor runs again. Local
  // LLM steps (`llmSteps: 'local'`): the whole turn is one workflow task, so the new worker replays
  // the task from its start — the turn still lands once.
  for (const llmSteps of ['activity', 'local'] as const) {
    test(`${llmSteps} LLM steps: the turn completes on a new worker and history holds exactly one reply`, async () => {
      const model = await startScriptedModel();
      const config = chatConfig(model, `chat-kill-${llmSteps}`, { LLM_TIMEOUT_MS: '20000' });
      const tenant = newTenant();
      const env = {
        TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
        OPENAI_BASE_URL: model.server.url,
        OPENAI_API_KEY: 'test-key',
        LLM_MODEL: 'fake-model',
        LLM_TIMEOUT_MS: '20000',
      };
      let worker = await spawnWorker(env);
      const client = await MemflowClient.connect(config);
      try {
        await ingestFor({ client, config }, tenant, [path.join(CORPUS, 'aurora-kettle-warranty.md')]);
        let executorCalls = 0;
        let releaseFirst: () => void = () => undefined;
        model.beforeExecutor = async () => {
          executorCalls += 1;
          if (executorCalls === 1) await new Promise<void>((resolve) => (releaseFirst = resolve)); // hangs until the worker is dead
        };
        const plannerBefore = model.count('planner');
        const turn = client.chat(tenant, 'crash', 'How long is the Aurora Kettle warranty?', {
          requestId: 'crash-1',
          session: { llmSteps },
        });
        await waitFor(async () => (executorCalls > 0 ? true : undefined), 'the executor call');
        worker.kill('SIGKILL');
        await waitForExit(worker);
        releaseFirst();
        worker = await spawnWorker(env);
        const reply = await turn;
        assert.equal(reply.citations[0]?.source, 'aurora-kettle-warranty.md');
        assert.equal(executorCalls, 2, 'the lost call was made again, once');
        // A completed planner activity is not run again; a local planner is, once, with its task.
        assert.equal(model.count('planner') - plannerBefore, llmSteps === 'local' ? 2 : 1);
        const history = await client.history(tenant, 'crash');
        assert.equal(history.turnCount, 1);
        assert.equal(history.turns.filter((t) => t.requestId === 'crash-1').length, 1);
        assert.equal(history.turns[0]?.answer, reply.answer);
      } finally {
        worker.kill('SIGTERM');
        await waitForExit(worker);
        await client.close();
        await model.server.close();
      }
    });
  }
});
