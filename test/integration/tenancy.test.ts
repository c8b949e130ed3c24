import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { createEmbedderRegistry } from '../../adapters/embed/embedder-registry';
import { liveAlias, memoryCollection } from '../../adapters/milvus/collection-names';
import { chatWorkflowId } from '../../contracts/chat';
import { MemflowError } from '../../contracts/errors';
import { tenantSchema } from '../../contracts/identifiers';
import { MemflowTenant } from '../../contracts/search-attributes';
import type { FakeChatRequest } from '../support/fake-openai';
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
import type { StackClients } from '../support/stack-clients';
import { openStackClients } from '../support/stack-clients';

/**
 * Adversarial tenancy: random tenant values — missing, `undefined`, empty, unicode, quotes,
 * operators, 10 KB — sent through memflow's client, through workflows started directly with
 * `@temporalio/client`, and through the vector-store adapter. Nothing of another tenant is ever
 * returned, and nothing is written for an invalid input.
 */

/** Values that are not tenants: each must be refused wherever it enters. */
const invalidTenant: fc.Arbitrary<unknown> = fc
  .oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.constant(''),
    fc.constant(' '),
    fc.constant('demo" or tenant != "x'),
    fc.constant('demo\\" || tenant like "%'),
    fc.constant('a'.repeat(10_240)),
    fc.constant('ténant'),
    fc.constant('.hidden'),
    fc.constant(['demo']),
    fc.constant({ $ne: 'x' }),
    fc.integer(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ maxLength: 200 }),
  )
  .filter((v) => !tenantSchema.safeParse(v).success);

describe('tenancy holds against any tenant value', () => {
  let model: ScriptedModel;
  let config: ReturnType<typeof chatConfig>;
  let harness: ChatHarness;
  let stores: StackClients;
  const demo = newTenant();
  const other = newTenant();
  let collection: string;
  let memories: string;
  let embedders: ReturnType<typeof createEmbedderRegistry>;
  /** What the executor (the language model writing the answer) was shown, per request. */
  const executorPrompts = () =>
    model.server.requests
      .map((r) => r.body as FakeChatRequest)
      .filter((b) => requestKind(b) === 'executor')
      .map((b) => JSON.stringify(b.messages));

  /** Everything a test could have written anywhere: rows per table, Milvus rows of both collections, workflows. */
  async function footprint() {
    const table = async (name: string) => (await stores.db.query(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n;
    const milvus = async (c: string) =>
      (await stores.vectors.describeCollection(c)) ? stores.vectors.count(c, { allTenants: true }) : 0;
    return {
      documents: await table('documents'),
      chunks: await table('chunks'),
      chunkRows: await milvus(collection),
      memoryRows: await milvus(memories),
    };
  }

  before(async () => {
    model = await startScriptedModel();
    model.plan.override = (text) =>
      text.startsWith('remember that ')
        ? { intent: 'chitchat', queries: [], filters: {}, tool: null, remember: [text.slice('remember that '.length)] }
        : undefined;
    config = chatConfig(model, 'tenancy');
    embedders = createEmbedderRegistry(config);
    harness = await startChatHarness(config);
    stores = await openStackClients(config);
    await ingestFor(harness, demo, [CORPUS]);
    await ingestFor(harness, other, [path.join(CORPUS, 'aurora-kettle-warranty.md')]);
    // The long-term memory the original leak recalled into another tenant's turn.
    await harness.client.chat(demo, 'prefs', 'remember that my favourite index type is BRIN');
    collection = (await stores.vectors.resolveAlias(liveAlias(config.milvus.collectionPrefix)))!;
    memories = memoryCollection(config.milvus.collectionPrefix, 'all-minilm-l6-v2');
  });
  after(async () => {
    await harness.close();
    await stores.close();
    await embedders.close();
    await model.server.close();
  });

  test('the store refuses every read and delete without a valid tenant, and writes nothing', async () => {
    const before = await footprint();
    const embedder = await embedders.get('all-minilm-l6-v2');
    const [vector] = await embedder.embed(['favourite index type']);
    const refused = (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT';
    await fc.assert(
      fc.asyncProperty(invalidTenant, async (tenant) => {
        const t = tenant as string;
        for (const target of [collection, memories]) {
          await assert.rejects(
            stores.vectors.search({
              collection: target,
              tenant: t,
              vector: vector!,
              identity: embedder.identity,
              limit: 5,
            }),
            refused,
          );
          await assert.rejects(stores.vectors.query(target, { tenant: t, limit: 5 }), refused);
          await assert.rejects(stores.vectors.count(target, { tenant: t }), refused);
          await assert.rejects(stores.vectors.deleteWhere(target, t, {}), refused);
          await assert.rejects(stores.vectors.deleteByIds(target, t, ['x']), refused);
        }
      }),
      { numRuns: 60 },
    );
    assert.deepEqual(await footprint(), before, 'nothing was written or deleted');
  });

  test('a valid tenant sees only its own rows, whatever filter values come with it', async () => {
    const embedder = await embedders.get('all-minilm-l6-v2');
    const [vector] = await embedder.embed(['How long is the Aurora Kettle warranty?']);
    const filterValue = fc.oneof(fc.string({ maxLength: 60 }), fc.constant('" or tenant != "'), fc.constant('*'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(demo, other, newTenant()),
        fc.option(fc.array(filterValue, { minLength: 1, maxLength: 3 }), { nil: undefined }),
        async (tenant, sources) => {
          const hits = await stores.vectors.search({
            collection,
            tenant,
            vector: vector!,
            identity: embedder.identity,
            limit: 50,
            hybridText: 'warranty',
            ...(sources ? { filter: { sources } } : {}),
          });
          assert.ok(
            hits.every((h) => h.tenant === tenant),
            'no hit of another tenant',
          );
          const rows = await stores.vectors.query(collection, {
            tenant,
            limit: 1000,
            ...(sources ? { filter: { sources } } : {}),
          });
          assert.ok(rows.every((r) => r.tenant === tenant));
        },
      ),
      { numRuns: 40 },
    );
    // The two tenants share the kettle page: each gets its own copy, never the other's.
    const demoHits = await stores.vectors.search({
      collection,
      tenant: demo,
      vector: vector!,
      identity: embedder.identity,
      limit: 5,
    });
    const otherHits = await stores.vectors.search({
      collection,
      tenant: other,
      vector: vector!,
      identity: embedder.identity,
      limit: 5,
    });
    assert.ok(demoHits.length > 0 && otherHits.length > 0);
    assert.equal(new Set([...demoHits, ...otherHits].map((h) => h.id)).size, demoHits.length + otherHits.length);
  });

  test("memflow's client refuses invalid tenants before anything starts", async () => {
    const before = await footprint();
    await fc.assert(
      fc.asyncProperty(invalidTenant, async (tenant) => {
        await assert.rejects(
          harness.client.chat(tenant as string, 'probe', 'What is my favourite index type?'),
          (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT',
        );
      }),
      { numRuns: 40 },
    );
    const started = await stores.temporal.workflow.count(
      `WorkflowType = "chatSession" AND TaskQueue = "${config.temporal.taskQueue}"`,
    );
    assert.equal(started.count, 1, 'no session was started but the one of the setup');
    assert.deepEqual(await footprint(), before);
  });

  test(
    'a session started directly with @temporalio/client with a bad input fails at once, runs no step, writes nothing',
    { timeout: 120_000 },
    async () => {
      const before = await footprint();
      const start = async (workflowId: string, input: unknown) => {
        const handle = await stores.temporal.workflow.start('chatSession', {
          workflowId,
          taskQueue: config.temporal.taskQueue,
          args: [input],
        });
        await assert.rejects(
          handle.result(),
          (e: unknown) =>
            e instanceof WorkflowFailedError &&
            e.cause instanceof ApplicationFailure &&
            e.cause.type === 'INVALID_INPUT',
        );
        const events = (await handle.fetchHistory()).events!;
        assert.ok(
          !events.some((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes),
          'no activity, local or not, ran',
        );
        return handle;
      };
      // The exact misspelling that once ran with no tenant and recalled another tenant's memory, under
      // the id a naive starter would build as well as one that matches `tenant` undefined.
      await start(`chat/${demo}/misspelled`, { tenantId: demo, sessionId: 'misspelled' });
      await start('chat/undefined/misspelled', { tenantId: demo, sessionId: 'misspelled' });
      // An injection whose workflow id agrees with its input, so only the schema can refuse it.
      await start('chat/demo" or tenant != "x/s', { tenant: 'demo" or tenant != "x', sessionId: 's' });
      // A session whose id names one tenant and whose input another.
      await start(chatWorkflowId(demo, 'forged'), { tenant: other, sessionId: 'forged' });
      await fc.assert(
        fc.asyncProperty(invalidTenant, async (tenant) => {
          // Where the id can agree with the input (Temporal ids are ≤ 1,000 characters), it does.
          const sessionId = `s-${crypto.randomUUID()}`;
          const id = `chat/${String(tenant)}/${sessionId}`;
          await start(id.length <= 900 ? id : `chat/probe-${sessionId}`, { tenant, sessionId });
        }),
        { numRuns: 12 },
      );
      assert.deepEqual(await footprint(), before);
    },
  );

  test("a session started by another SDK gets its tenant's search attributes and recalls only its tenant's memory", async () => {
    const handle = await stores.temporal.workflow.start('chatSession', {
      workflowId: chatWorkflowId(other, 'raw'),
      taskQueue: config.temporal.taskQueue,
      args: [{ tenant: other, sessionId: 'raw' }],
    });
    const seen = executorPrompts().length;
    await handle.executeUpdate('sendMessage', {
      args: [{ requestId: 'raw-1', text: 'What is my favourite index type?' }],
    });
    const prompt = executorPrompts().slice(seen);
    assert.equal(prompt.length, 1);
    assert.doesNotMatch(prompt[0]!, /BRIN/, "the other tenant's memory never reaches this turn's prompt");
    assert.equal((await handle.describe()).typedSearchAttributes.get(MemflowTenant), other);
    await harness.client.chat(demo, 'prefs-2', 'What is my favourite index type?');
    assert.match(executorPrompts().at(-1)!, /BRIN/, 'the owner still recalls it');
  });
});
