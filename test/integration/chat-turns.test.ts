import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { sendMessageUpdate } from '../../contracts/chat';
import { MemflowError, typedFailure } from '../../contracts/errors';
import { MemflowIndexVersion } from '../../contracts/search-attributes';
import { QUESTIONS } from '../fixtures/corpus-questions';
import { uniqueName } from '../support/test-env';
import type { ChatHarness, ScriptedModel } from '../support/chat-harness';
import type { StackClients } from '../support/stack-clients';
import { openStackClients } from '../support/stack-clients';
import { recordHistory } from '../support/record-history';
import {
  CORPUS,
  chatConfig,
  ingestFor,
  newTenant,
  startChatHarness,
  startScriptedModel,
} from '../support/chat-harness';

describe('chat turns on the real stack', () => {
  let model: ScriptedModel;
  let harness: ChatHarness;
  let stores: StackClients;
  const tenantA = newTenant();
  const tenantB = newTenant();
  const tenantBFiles = ['orchard-beekeeping-notes.txt', 'basalt-cli-configuration.md'];

  before(async () => {
    model = await startScriptedModel();
    // Its own collections: BM25's term statistics are shared by every tenant of a collection, so the
    // ranking this file checks must not depend on what other test files ingested before it.
    harness = await startChatHarness(
      chatConfig(model, 'chat-turns', { MEMFLOW_COLLECTION_PREFIX: uniqueName('turns') }),
    );
    stores = await openStackClients(harness.config);
    await ingestFor(harness, tenantA, [CORPUS]);
    await ingestFor(
      harness,
      tenantB,
      tenantBFiles.map((f) => path.join(CORPUS, f)),
    );
  });
  after(async () => {
    await harness.close();
    await stores.close();
    await model.server.close();
  });

  test('each fixture question is answered citing the one document that holds the answer', async () => {
    for (const [i, q] of QUESTIONS.entries()) {
      const reply = await harness.client.chat(tenantA, 'questions', q.question, { requestId: `q-${i}` });
      assert.equal(reply.answerKind, 'llm');
      assert.ok(reply.citations.length > 0, q.question);
      // Among the first three: RRF fusion can put a passage that ranks second in both legs above one
      // that ranks first in one (issue 15: fusion costs the top rank), and with tenant partitions
      // BM25's statistics come from one tenant's documents, so that happens on this small corpus.
      assert.ok(
        reply.citations.slice(0, 3).some((c) => c.source === q.file),
        `"${q.question}" cites ${q.file} among its first three: ${reply.citations.map((c) => c.source).join(', ')}`,
      );
      assert.match(reply.indexVersion, /_chunks_all_minilm_l6_v2_v0$/);
    }
    const history = await harness.client.history(tenantA, 'questions');
    assert.equal(history.turnCount, QUESTIONS.length);
  });

  test('tenant B never cites tenant A, over many random queries', async () => {
    const { rows } = await stores.db.query<{ doc_id: string }>('SELECT doc_id FROM documents WHERE tenant = $1', [
      tenantB,
    ]);
    assert.equal(rows.length, tenantBFiles.length);
    const allowed = new Set(rows.map((r) => r.doc_id));
    const words = QUESTIONS.flatMap((q) => q.question.toLowerCase().replace(/[?.,]/g, '').split(' ')).concat([
      'kettle',
      'vacuum',
      'ferry',
      'tenant',
      'bees',
      'config',
    ]);
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    let cited = 0;
    for (let i = 0; i < 25; i++) {
      const query = Array.from(
        { length: 2 + Math.floor(random() * 5) },
        () => words[Math.floor(random() * words.length)],
      ).join(' ');
      const reply = await harness.client.chat(tenantB, 'isolation', query, { requestId: `iso-${i}` });
      for (const c of reply.citations)
        assert.ok(allowed.has(c.docId), `"${query}" cited ${c.source} of another tenant`);
      cited += reply.citations.length;
    }
    assert.ok(cited > 25, 'the property was exercised on real citations');
  });

  test('a plan that tries to choose the tenant is refused; the session stays usable', async () => {
    model.plan.override = (text) =>
      text.includes('sneaky')
        ? { intent: 'search', queries: [text], filters: { tenant: tenantA }, tool: null, remember: [] }
        : undefined;
    try {
      const before = model.count('planner');
      await assert.rejects(
        harness.client.chat(tenantB, 'sneaky', 'sneaky question about kettles'),
        (e: unknown) =>
          e instanceof MemflowError && e.code === 'TURN_FAILED' && /InvalidPlan|invalid plan/i.test(e.message),
      );
      assert.equal(model.count('planner') - before, 4, 'the invalid plan was retried within the bounded attempts');
      const ok = await harness.client.chat(tenantB, 'sneaky', 'how do I configure basalt?');
      assert.ok(ok.citations.length > 0);
      assert.equal((await harness.client.history(tenantB, 'sneaky')).turnCount, 1, 'the failed turn recorded nothing');
    } finally {
      model.plan.override = undefined;
    }
  });

  test('the same requestId twice runs one turn and gets the identical reply', async () => {
    const executorBefore = model.count('executor');
    const [a, b] = await Promise.all([
      harness.client.chat(tenantA, 'idem', 'How long is the Aurora Kettle warranty?', { requestId: 'req-42' }),
      harness.client.chat(tenantA, 'idem', 'How long is the Aurora Kettle warranty?', { requestId: 'req-42' }),
    ]);
    const c = await harness.client.chat(tenantA, 'idem', 'How long is the Aurora Kettle warranty?', {
      requestId: 'req-42',
    });
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
    assert.equal(model.count('executor') - executorBefore, 1);
    assert.equal((await harness.client.history(tenantA, 'idem')).turnCount, 1);
  });

  test('invalid messages are rejected by the validator with a typed error and record nothing', async () => {
    await harness.client.chat(tenantA, 'validate', 'What is the default autovacuum scale factor?', {
      requestId: 'ok-1',
    });
    const cases: [string, Parameters<ChatHarness['client']['chat']>[3], RegExp][] = [
      ['   ', {}, /empty/],
      ['x'.repeat(4001), {}, /limit is 4000/],
      ['hello', { filters: { tenant: ['other'] } as never }, /Unknown filter field "tenant"/],
      ['hello', { requestId: 'bad id with spaces' }, /requestId/],
    ];
    for (const [text, options, message] of cases) {
      await assert.rejects(
        harness.client.chat(tenantA, 'validate', text, options),
        (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT' && message.test(e.message),
      );
    }
    // The workflow's own validator refuses what another SDK might send, before it is recorded.
    await assert.rejects(
      harness.client.temporal.workflow
        .getHandle(`chat/${tenantA}/validate`)
        .executeUpdate(sendMessageUpdate, { args: [{ requestId: 'raw-2', text: 'hi', tenant: 'other' } as never] }),
      (e: unknown) =>
        typedFailure(e)?.code === 'INVALID_INPUT' && /Unrecognized key.*tenant/.test(String((e as Error).cause)),
    );
    const history = await harness.client.history(tenantA, 'validate');
    assert.equal(history.turnCount, 1);
    const events = await harness.client.temporal.workflow.getHandle('chat/' + tenantA + '/validate').fetchHistory();
    const updates = events.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    assert.equal(updates.length, 1, 'rejected updates never enter history');
  });

  test('429 with retry-after, 500s and a timeout are retried within the policy', { timeout: 60_000 }, async () => {
    const completions = () => model.server.requests.filter((r) => r.path.endsWith('/chat/completions'));
    // Retry-After (3 s) is far longer than the policy's first backoff (500 ms): only honouring it waits that long.
    let seen = completions().length;
    model.server.inject({ status: 429, retryAfterSeconds: 3, times: 1, path: '/chat/completions' });
    const reply = await harness.client.chat(tenantA, 'faults', 'How long is the Aurora Kettle warranty?');
    assert.ok(reply.citations.length > 0);
    const [limited, retried] = completions().slice(seen);
    assert.ok(limited && retried, 'the rate-limited call and its retry');
    assert.ok(retried.at - limited.at >= 2900, `the retry waited for retry-after (${retried.at - limited.at} ms)`);

    seen = completions().length;
    model.server.inject({ status: 500, times: 2, path: '/chat/completions' });
    assert.ok((await harness.client.chat(tenantA, 'faults', 'Which lock does VACUUM FULL take?')).citations.length > 0);
    assert.equal(completions().length - seen, 4, 'two failed planner attempts, the third plans, then the executor');

    // A reply that would take 30 s: the client timeout (1.5 s) cuts the call, and the retry answers.
    seen = completions().length;
    model.server.inject({ delayMs: 30_000, times: 1, path: '/chat/completions' });
    assert.ok(
      (await harness.client.chat(tenantA, 'faults', 'When does the first winter ferry leave Marrow Quay?')).citations
        .length > 0,
    );
    assert.equal(completions()[seen]?.aborted, true, 'the hung call was cut by the client, not answered');
    assert.equal((await harness.client.history(tenantA, 'faults')).turnCount, 3);
  });

  test('the retriever pins the index as a local activity; llmSteps "local" runs the whole turn in one workflow task', async () => {
    const scheduled = async (sessionId: string) => {
      const history = await harness.client.temporal.workflow.getHandle(`chat/${tenantA}/${sessionId}`).fetchHistory();
      const events = history.events!;
      return {
        activities: events
          .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
          .filter((name): name is string => Boolean(name)),
        localActivityMarkers: events.filter(
          (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
        ).length,
        workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
      };
    };
    const question = QUESTIONS[0]!;

    const remote = await harness.client.chat(tenantA, 'steps-default', question.question);
    assert.equal(remote.citations[0]!.source, question.file);
    const byDefault = await scheduled('steps-default');
    assert.deepEqual(byDefault.activities, ['planTurn', 'writeAnswer'], 'only the LLM steps are ordinary activities');
    assert.equal(byDefault.localActivityMarkers, 1, 'retrieveChunks (which pins the index) is a local activity');
    // The collection the retriever pinned is the one the reply and the search attribute name.
    assert.match(remote.indexVersion, /_chunks_all_minilm_l6_v2_v0$/);
    const attributes = (await harness.client.temporal.workflow.getHandle(`chat/${tenantA}/steps-default`).describe())
      .typedSearchAttributes;
    assert.equal(attributes.get(MemflowIndexVersion), remote.indexVersion);

    const plannerCalls = model.count('planner');
    model.server.inject({ status: 500, times: 1, path: '/chat/completions' });
    const local = await harness.client.chat(tenantA, 'steps-local', question.question, {
      session: { llmSteps: 'local' },
    });
    assert.equal(local.answerKind, 'llm');
    assert.equal(local.citations[0]!.source, question.file);
    assert.equal(model.count('planner'), plannerCalls + 2, 'the planner call that got a 500 was retried once');
    const allLocal = await scheduled('steps-local');
    await recordHistory(
      harness.client.temporal.workflow.getHandle(`chat/${tenantA}/steps-local`),
      'chat-session-local-steps',
    );
    assert.deepEqual(allLocal.activities, [], 'no activity task went through the task queue');
    assert.equal(allLocal.localActivityMarkers, 3, 'planTurn, retrieveChunks, writeAnswer');
    assert.equal(allLocal.workflowTasks, 1, 'the update and all three steps completed in one workflow task');
  });

  test('a model that keeps failing ends in a clear failure and leaves the session usable', async () => {
    model.server.inject({ status: 500, times: 4, path: '/chat/completions' });
    await assert.rejects(
      harness.client.chat(tenantA, 'broken', 'How long is the Aurora Kettle warranty?', { requestId: 'retry-me' }),
      (e: unknown) => e instanceof MemflowError && e.code === 'TURN_FAILED' && /500|unavailable/i.test(e.message),
    );
    // A caller without memflow's client (any Temporal SDK) reads the same code as the failure's type.
    model.server.inject({ status: 500, times: 4, path: '/chat/completions' });
    await assert.rejects(
      harness.client.temporal.workflow
        .getHandle(`chat/${tenantA}/broken`)
        .executeUpdate(sendMessageUpdate, { args: [{ requestId: 'raw-sdk-1', text: 'How long is the warranty?' }] }),
      (e: unknown) =>
        e instanceof WorkflowUpdateFailedError &&
        e.cause instanceof ApplicationFailure &&
        e.cause.type === 'TURN_FAILED' &&
        e.cause.nonRetryable === false,
    );
    // TURN_FAILED is retryable: the same request sent again runs the turn again and is answered.
    const after = await harness.client.chat(tenantA, 'broken', 'How long is the Aurora Kettle warranty?', {
      requestId: 'retry-me',
    });
    assert.ok(after.citations.length > 0);
    const history = await harness.client.history(tenantA, 'broken');
    assert.equal(history.turnCount, 1);
    assert.deepEqual(
      history.turns.map((t) => t.requestId),
      ['retry-me'],
    );
    // And once answered, the same requestId gets that reply again, with no second turn.
    const again = await harness.client.chat(tenantA, 'broken', 'How long is the Aurora Kettle warranty?', {
      requestId: 'retry-me',
    });
    assert.equal(again.answer, after.answer);
    assert.equal((await harness.client.history(tenantA, 'broken')).turnCount, 1);
  });
});
