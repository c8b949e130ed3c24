import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { liveAlias } from '../../adapters/milvus/collection-names';
import { getReindex } from '../../adapters/postgres/reindex-control';
import { startReindex } from '../../client/reindex';
import type { MemflowConfig } from '../../config/config';
import { REPO_ROOT } from '../../config/config';
import { typedFailure } from '../../contracts/errors';
import type { QuestionSetComparison, ReindexOptions, ReindexStatusView } from '../../contracts/reindex';
import type { RetrievalQuestion } from '../../contracts/retrieval-questions';
import { parseRetrievalQuestions } from '../../contracts/retrieval-questions';
import type { ChatHarness } from '../support/chat-harness';
import { newTenant, startChatHarness } from '../support/chat-harness';
import { createOwnStack } from '../support/own-database';
import type { StackClients } from '../support/stack-clients';
import { openStackClients } from '../support/stack-clients';

/**
 * The validation gate scores the serving and the new version on an admin's question set
 * (test/fixtures/postgres-pages/README.md): a re-embed that retrieves worse is refused with the
 * numbers, one that does not cuts over. The assertions hold the scores the gate measured against
 * each other, not against figures typed here.
 */
const OLD_MODEL = 'all-minilm-l6-v2';
const NEW_MODEL = 'paraphrase-minilm-l3-v2';
const PAGES = path.join(REPO_ROOT, 'test', 'fixtures', 'postgres-pages');
const QUESTIONS = path.join(REPO_ROOT, 'test', 'fixtures', 'postgres-pages-questions.jsonl');
const OPTIONS: ReindexOptions = { pageSize: 256, batchSize: 32, minRecall: 0.5, minOverlap: 0.1, retentionMs: 500 };

function readQuestions(): RetrievalQuestion[] {
  const parsed = parseRetrievalQuestions(fs.readFileSync(QUESTIONS, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/** `v3` of `<prefix>_chunks_<model>_v3`. */
const versionOf = (collection: string) => /_(v\d+)$/.exec(collection)![1]!;

describe('the re-embed gate on a retrieval question set', () => {
  const tenant = newTenant();
  const questions = readQuestions();
  let config: MemflowConfig;
  let database: Awaited<ReturnType<typeof createOwnStack>>['database'];
  let harness: ChatHarness;
  let stores: StackClients;

  before(async () => {
    ({ database, config } = await createOwnStack('gate'));
    harness = await startChatHarness(config);
    stores = await openStackClients(config);
    const pages = fs
      .readdirSync(PAGES)
      .filter((f) => f.endsWith('.html'))
      .map((f) => path.join(PAGES, f));
    const { handle } = await harness.client.ingest({ tenant, paths: pages, baseDir: PAGES });
    await handle.result();
  });
  after(async () => {
    await harness.close();
    for (const c of await stores.vectors.listCollections(config.milvus.collectionPrefix).catch(() => [])) {
      await stores.vectors.dropCollection(c).catch(() => undefined);
    }
    await stores.close();
    await database.drop();
  });

  const alias = () => liveAlias(config.milvus.collectionPrefix);
  const saga = (workflowId: string) => harness.client.temporal.workflow.getHandle(workflowId);

  test('a model that retrieves worse on the question set is refused with the numbers; the old version keeps serving', async () => {
    const old = (await stores.vectors.resolveAlias(alias()))!;
    const started = await startReindex(harness.client.temporal, config, stores.db, {
      model: NEW_MODEL,
      targetVersion: `${NEW_MODEL}@worse`,
      options: OPTIONS,
      questionSet: { tenant, questions },
    });
    await assert.rejects(
      saga(started.workflowId).result(),
      (e: unknown) => typedFailure(e)?.code === 'REINDEX_FAILED' && /question set/.test(String((e as Error).cause)),
    );
    const row = (await getReindex(stores.db, started.row.id))!;
    assert.equal(row.status, 'failed');
    const validation = row.validation as { passed: boolean; reasons: string[]; questionSet: QuestionSetComparison };
    const { previous, next, ...verdict } = validation.questionSet;
    assert.deepEqual(verdict, { tenant, questions: questions.length, recallTolerance: 0, passed: false });
    assert.equal(previous.model, OLD_MODEL);
    assert.equal(previous.collection, old);
    assert.equal(next.model, NEW_MODEL);
    assert.equal(next.collection, row.collection);
    assert.ok(
      next.recallAt5 < previous.recallAt5,
      `the new model retrieves worse: ${next.recallAt5} < ${previous.recallAt5}`,
    );
    // The scores agree with the questions each version missed.
    for (const s of [previous, next]) assert.equal(s.recallAt5, 1 - s.missedAt5.length / questions.length);
    assert.deepEqual(Object.keys(next.recallAt5ByKind).sort(), ['literal', 'paraphrased']);
    assert.ok(next.recallAt5ByKind.paraphrased! < previous.recallAt5ByKind.paraphrased!, 'paraphrases suffer');
    const reason =
      `question set (${questions.length} questions, tenant ${tenant}): ` +
      `recall@5 ${next.recallAt5.toFixed(3)} on ${NEW_MODEL} (${versionOf(row.collection!)})`;
    const than = `< ${previous.recallAt5.toFixed(3)} on ${OLD_MODEL} (${versionOf(old)})`;
    assert.equal(validation.reasons.length, 1, `only the question set refused: ${validation.reasons.join('; ')}`);
    assert.ok(
      validation.reasons[0]!.startsWith(reason) && validation.reasons[0]!.includes(than),
      validation.reasons[0],
    );
    assert.ok(
      row.error?.includes(reason) && row.error.includes(than),
      `the row's error holds the numbers: ${row.error}`,
    );

    assert.equal(await stores.vectors.resolveAlias(alias()), old, 'the alias still points at the old version');
    assert.deepEqual(await stores.vectors.listCollections(row.collection!), [], 'the new version is dropped');
    const reply = await harness.client.search(tenant, questions[0]!.question);
    assert.equal(reply.collection, old, 'searches are answered by the old version');
    assert.ok(reply.hits.length > 0);
  });

  test('the same re-embed on questions it does not retrieve worse cuts over', async () => {
    const old = (await stores.vectors.resolveAlias(alias()))!;
    const literal = questions.filter((q) => q.kind === 'literal');
    const started = await startReindex(harness.client.temporal, config, stores.db, {
      model: NEW_MODEL,
      targetVersion: `${NEW_MODEL}@literal`,
      options: OPTIONS,
      questionSet: { tenant, questions: literal },
    });
    const view = (await saga(started.workflowId).result()) as ReindexStatusView;
    assert.equal(view.state, 'completed', view.error);
    const row = (await getReindex(stores.db, started.row.id))!;
    const { previous, next, ...verdict } = (row.validation as { questionSet: QuestionSetComparison }).questionSet;
    assert.deepEqual(verdict, { tenant, questions: literal.length, recallTolerance: 0, passed: true });
    assert.ok(next.recallAt5 >= previous.recallAt5, `not worse: ${next.recallAt5} >= ${previous.recallAt5}`);
    assert.deepEqual(view.validation?.questionSet, { previous, next, ...verdict }, 'the saga view carries both');
    assert.equal(await stores.vectors.resolveAlias(alias()), row.collection, 'the alias points at the new version');
    assert.notEqual(row.collection, old);
    const reply = await harness.client.search(tenant, literal[0]!.question);
    assert.equal(reply.collection, row.collection);
    assert.equal(reply.model, NEW_MODEL);
  });
});
