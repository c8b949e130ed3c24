import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { REPO_ROOT } from '../../config/config';
import { MemflowError } from '../../contracts/errors';
import type { RetrievalQuestion } from '../../contracts/retrieval-questions';
import type { SearchIndexResult } from '../../contracts/search';
import type { EvaluationOutput } from '../../cli/format-retrieval-evaluation';
import { LEXICAL_WEIGHT, DENSE_WEIGHT, RRF_K, SEARCH_DEPTH, TURN_PASSAGE_LIMIT } from '../../contracts/search';
import { QUESTIONS } from '../fixtures/corpus-questions';
import type { ChatHarness } from '../support/chat-harness';
import { CORPUS, ingestFor, newTenant, startChatHarness } from '../support/chat-harness';
import { recordHistory } from '../support/record-history';
import type { StackClients } from '../support/stack-clients';
import { openStackClients } from '../support/stack-clients';
import { testConfig, uniqueName } from '../support/test-env';
import { liveAlias } from '../../adapters/milvus/collection-names';

/** `memflow …` as a child process with this stack's configuration (async, so several can run at once). */
function memflowCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'memflow.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

type SearchJson = SearchIndexResult & { workflowId: string; url: string };

describe('memflow search and memflow eval retrieval on the real stack', () => {
  let harness: ChatHarness;
  let stores: StackClients;
  const tenantA = newTenant();
  const tenantB = newTenant();
  const tenantBFiles = ['orchard-beekeeping-notes.txt', 'basalt-cli-configuration.md'];
  // Offline, as `memflow search` runs for an admin: the extractive planner and executor, and
  // collections of this file's own.
  const config = testConfig({
    TEMPORAL_TASK_QUEUE: `${process.env.TEMPORAL_TASK_QUEUE}-search`,
    MEMFLOW_COLLECTION_PREFIX: uniqueName('search'),
    OPENAI_BASE_URL: '',
    OPENAI_API_KEY: '',
  });
  const cliEnv = {
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    MEMFLOW_COLLECTION_PREFIX: config.milvus.collectionPrefix,
    OPENAI_BASE_URL: '',
    OPENAI_API_KEY: '',
  };
  const started = async (type: 'searchIndex' | 'chatSession') =>
    (await stores.temporal.workflow.count(`WorkflowType = "${type}" AND TaskQueue = "${config.temporal.taskQueue}"`))
      .count;
  const searches = () => started('searchIndex');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-eval-'));
  const docIdsOf = async (tenant: string) =>
    new Set(
      (await stores.db.query<{ doc_id: string }>('SELECT doc_id FROM documents WHERE tenant = $1', [tenant])).rows.map(
        (r) => r.doc_id,
      ),
    );

  before(async () => {
    harness = await startChatHarness(config);
    stores = await openStackClients(config);
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
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('returns the chunk that holds the answer first, with each leg rank, as a turn retrieves it', async () => {
    // Both legs rank this chunk first (the kettle question's answer, by contrast, comes second: the
    // page's introduction outranks it in a leg — the kind of thing this command is for).
    const q = QUESTIONS.find((x) => x.file === 'lindqvist-ferry-winter-timetable.html')!;
    const { rows } = await stores.db.query<{ chunk_id: string }>(
      `SELECT c.chunk_id FROM chunks c JOIN documents d ON d.tenant = c.tenant AND d.doc_id = c.doc_id
       WHERE c.tenant = $1 AND d.source_uri = $2 AND c.version = d.live_version AND c.text LIKE $3`,
      [tenantA, q.file, `%${q.answer}%`],
    );
    assert.equal(rows.length, 1, 'one live chunk holds the answer');
    const expected = rows[0]!.chunk_id;

    const run = await memflowCli(['search', '--tenant', tenantA, '--json', q.question], cliEnv);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as SearchJson;
    assert.equal(result.hits[0]?.chunkId, expected, `first hit: ${JSON.stringify(result.hits[0])}`);
    assert.equal(result.hits[0]?.source, q.file);
    assert.equal(result.limit, TURN_PASSAGE_LIMIT, "a turn's passages by default");
    assert.ok(result.hits.length > 1 && result.hits.length <= TURN_PASSAGE_LIMIT);
    assert.deepEqual(
      result.hits.map((h) => h.rank),
      result.hits.map((_, i) => i + 1),
    );
    assert.equal(result.lexical, 'postgres', "the default lexical leg: PostgreSQL's full text");
    assert.equal(result.legDepth, SEARCH_DEPTH);
    // The live collection of this file's prefix (its version number comes from the run's database).
    assert.equal(result.collection, await stores.vectors.resolveAlias(liveAlias(config.milvus.collectionPrefix)));
    assert.match(result.collection, /_chunks_all_minilm_l6_v2_v\d+$/);
    assert.match(result.workflowId, new RegExp(`^search/${tenantA}/`));
    assert.deepEqual(result.hits[0]!.legs, { dense: 1, lexical: 1 }, 'each leg ranks the answer first');
    for (const h of result.hits) {
      const { dense, lexical } = h.legs;
      assert.ok(dense === null || (dense >= 1 && dense <= result.legDepth));
      assert.ok(lexical === null || (lexical >= 1 && lexical <= result.legDepth));
      const fused =
        (dense === null ? 0 : DENSE_WEIGHT / (RRF_K + dense)) +
        (lexical === null ? 0 : LEXICAL_WEIGHT / (RRF_K + lexical));
      assert.ok(
        Math.abs(h.score - fused) < 1e-9,
        `${h.chunkId}: ${h.score} is the weighted RRF of its legs (${fused})`,
      );
    }
    // Grouped by document: once a document's passages end, it does not come back.
    const order = result.hits.map((h) => h.docId);
    assert.deepEqual(
      order,
      [...new Set(order)].flatMap((d) => order.filter((x) => x === d)),
    );

    // A turn for the same question (offline: the planner searches for the question itself) cites
    // only passages the search shows.
    const reply = await harness.client.chat(tenantA, 'same-as-search', q.question);
    assert.ok(reply.citations.length > 0);
    const shown = new Set(result.hits.map((h) => h.chunkId));
    for (const c of reply.citations) assert.ok(shown.has(c.chunkId), `the turn cited ${c.chunkId}, which search shows`);
    assert.equal(reply.indexVersion, result.collection);

    await recordHistory(stores.temporal.workflow.getHandle(result.workflowId), 'search-index');

    const table = await memflowCli(['search', '--tenant', tenantA, '--limit', '3', q.question], cliEnv);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /rank\s+fused score\s+dense rank\s+text rank\s+source\s+title\s+chunk id/);
    assert.ok(table.stdout.includes(expected), table.stdout);
    const rowsShown = table.stdout.split('\n').filter((l) => /^\s+\d+\s+0\.\d{4}\s/.test(l));
    assert.equal(rowsShown.length, 3, table.stdout);
  });

  test('a tenant sees only its own documents, whatever the query says', async () => {
    const own = await docIdsOf(tenantB);
    assert.equal(own.size, tenantBFiles.length);
    const kettle = QUESTIONS.find((x) => x.file === 'aurora-kettle-warranty.md')!.question;
    for (const query of [
      kettle,
      `${kettle} tenant != "${tenantB}"`,
      `" || tenant == "${tenantA}" || "`,
      `${tenantA} aurora kettle warranty 27-month`,
    ]) {
      const result = await harness.client.search(tenantB, query, { limit: 50 });
      assert.ok(result.hits.length > 0, 'tenant B gets its own passages');
      for (const h of result.hits) {
        assert.ok(own.has(h.docId), `"${query}" returned ${h.source} (${h.docId}), not tenant B's`);
        assert.notEqual(h.source, 'aurora-kettle-warranty.md');
      }
    }
    // Through the CLI too, and a tenant that holds nothing gets nothing.
    const cli = await memflowCli(['search', '--tenant', tenantB, '--json', kettle], cliEnv);
    assert.equal(cli.code, 0, cli.stderr);
    assert.ok((JSON.parse(cli.stdout) as SearchJson).hits.every((h) => own.has(h.docId)));
    assert.deepEqual((await harness.client.search(newTenant(), kettle)).hits, []);
  });

  test('bad input exits 2 (CLI) or fails INVALID_INPUT (client, workflow) and starts no search', async () => {
    const before = await searches();
    const bad: string[][] = [
      ['search', '--tenant', tenantA], // no query
      ['search', 'How long is the warranty?'], // no tenant
      ['search', '--tenant', `${tenantA}" or tenant != "x`, 'warranty'],
      ['search', '--tenant', tenantA, '--limit', '51', 'warranty'],
      ['search', '--tenant', tenantA, '--limit', 'many', 'warranty'],
      ['search', '--tenant', tenantA, '--filter', 'x', 'warranty'],
      ['search', '--tenant', tenantA, 'x'.repeat(4001)],
    ];
    const runs = await Promise.all(bad.map((args) => memflowCli(args, cliEnv)));
    runs.forEach((run, i) => {
      assert.equal(run.code, 2, `${bad[i]!.join(' ').slice(0, 80)}: exit ${run.code}\n${run.stderr}`);
      assert.match(run.stderr, /^memflow: USAGE: /);
    });

    const invalid = (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT';
    for (const [tenant, query, limit] of [
      ['', 'warranty', undefined],
      ['ténant', 'warranty', undefined],
      [tenantA, '   ', undefined],
      [tenantA, 'warranty', 0],
      [tenantA, 'warranty', 2.5],
      [tenantA, 'warranty', 1000],
      [tenantA, 'y'.repeat(4001), undefined],
      [undefined, 'warranty', undefined],
    ] as [string, string, number | undefined][]) {
      await assert.rejects(harness.client.search(tenant, query, limit === undefined ? {} : { limit }), invalid);
    }
    assert.equal(await searches(), before, 'no searchIndex workflow was started');

    // Started directly (another SDK, the temporal CLI): the workflow refuses its input before any step.
    for (const input of [
      { tenant: tenantB, query: 'warranty', filter: { tenant: tenantA } },
      { tenant: `${tenantB}" or tenant != "x`, query: 'warranty' },
      { tenantId: tenantB, query: 'warranty' },
      { tenant: tenantB, query: 'warranty', limit: 1000 },
    ]) {
      const handle = await stores.temporal.workflow.start('searchIndex', {
        workflowId: uniqueName('raw-search'),
        taskQueue: config.temporal.taskQueue,
        args: [input],
      });
      await assert.rejects(
        handle.result(),
        (e: unknown) =>
          e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure && e.cause.type === 'INVALID_INPUT',
      );
      const events = (await handle.fetchHistory()).events!;
      assert.ok(
        !events.some((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes),
        `${JSON.stringify(input)}: no step ran`,
      );
    }
    // The count sees the workflows it should: the four just started, and one good search.
    await harness.client.search(tenantA, 'warranty');
    for (let i = 0; i < 50 && (await searches()) < before + 5; i++) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await searches(), before + 5);
  });

  /**
   * Four questions whose outcome is certain on the fixture corpus: three whose answer page both
   * legs, the citations and BM25 put first (checked by the first test for the ferry), and one whose
   * expected page the tenant does not hold. Every ranking: recall@1 = @5 = @10 = MRR@10 = 3/4
   * overall; literal 2/2 = 1; paraphrased 1/2 = 0.5; f4 missed everywhere.
   */
  const evalQuestions: RetrievalQuestion[] = [
    ['f1', 'literal', 'lindqvist-ferry-winter-timetable.html'],
    ['f2', 'literal', 'basalt-cli-configuration.md'],
    ['f3', 'paraphrased', 'postgres-routine-vacuuming.html'],
  ]
    .map(([id, kind, file]): RetrievalQuestion => {
      const q = QUESTIONS.find((x) => x.file === file)!;
      return {
        id: id!,
        kind: kind as RetrievalQuestion['kind'],
        question: q.question,
        expected: [file!],
        fact: q.answer,
        topic: 'fixtures',
      };
    })
    .concat({
      id: 'f4',
      kind: 'paraphrased',
      question: QUESTIONS.find((x) => x.file === 'aurora-kettle-warranty.md')!.question,
      expected: ['aurora-kettle-recall-notice.md'],
      fact: 'not in the corpus',
      topic: 'fixtures',
    });

  test('eval retrieval gives the hand-computed recall of a small question file, and its misses', async () => {
    const file = path.join(work, 'questions.jsonl');
    fs.writeFileSync(file, evalQuestions.map((q) => JSON.stringify(q)).join('\n'));
    const results = path.join(REPO_ROOT, 'bench', 'results', 'retrieval.jsonl');
    const resultsBefore = fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : undefined;
    const [json, text] = await Promise.all([
      memflowCli(['eval', 'retrieval', '--tenant', tenantA, '--questions', file, '--json'], cliEnv),
      memflowCli(['eval', 'retrieval', '--tenant', tenantA, '--questions', file, '--manual', CORPUS], cliEnv),
    ]);
    assert.equal(json.code, 0, json.stderr);
    const e = JSON.parse(json.stdout) as EvaluationOutput;
    assert.equal(e.questions, 4);
    assert.deepEqual([e.depth, e.turnLimit], [50, TURN_PASSAGE_LIMIT]);
    assert.equal(e.baselineSource, 'registry');
    assert.equal(e.baselineDocuments, 6, "the BM25 baseline ranks the tenant's six documents");
    assert.deepEqual(e.answerKinds, { llm: 0, extractive: 4 }, 'offline, the turns answer extractively');
    for (const name of ['engine', 'passages', 'citations', 'bm25'] as const) {
      const r = e.rankings[name];
      assert.deepEqual(
        { ...r.overall },
        { questions: 4, recallAt: { 1: 0.75, 5: 0.75, 10: 0.75 }, mrrAt10: 0.75 },
        `${name} overall`,
      );
      assert.deepEqual(r.byKind.literal, { questions: 2, recallAt: { 1: 1, 5: 1, 10: 1 }, mrrAt10: 1 }, name);
      assert.deepEqual(
        r.byKind.paraphrased,
        { questions: 2, recallAt: { 1: 0.5, 5: 0.5, 10: 0.5 }, mrrAt10: 0.5 },
        name,
      );
      assert.deepEqual(r.missedAt, { 1: ['f4'], 5: ['f4'], 10: ['f4'] }, name);
    }
    assert.deepEqual(
      e.perQuestion.map((q) => [q.id, q.ranks]),
      [
        ['f1', { engine: 1, passages: 1, citations: 1, bm25: 1 }],
        ['f2', { engine: 1, passages: 1, citations: 1, bm25: 1 }],
        ['f3', { engine: 1, passages: 1, citations: 1, bm25: 1 }],
        ['f4', { engine: null, passages: null, citations: null, bm25: null }],
      ],
    );
    assert.equal(e.perQuestion[3]!.first.engine[0], 'aurora-kettle-warranty.md', 'what came instead');

    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /BM25, 6 manual pages/);
    assert.match(text.stdout, /overall\s+4\s+0\.750\s+0\.750\s+0\.750\s+0\.750/);
    assert.match(text.stdout, /Missed in the first 10 by some ranking \(1\)/);
    assert.match(
      text.stdout,
      /f4\s+paraphrased\s+aurora-kettle-recall-notice\.md\s+–\s+–\s+–\s+–\s+aurora-kettle-warranty\.md/,
    );
    assert.equal(
      fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : undefined,
      resultsBefore,
      'without --record, no results line is written',
    );
    // Each question ran in a session of its own, ended once answered.
    const evalSessions = async (status: string) => {
      const ids: string[] = [];
      const query = `WorkflowType = "chatSession" AND TaskQueue = "${config.temporal.taskQueue}" AND ExecutionStatus = "${status}"`;
      for await (const w of stores.temporal.workflow.list({ query })) {
        if (w.workflowId.startsWith(`chat/${tenantA}/eval-`)) ids.push(w.workflowId);
      }
      return ids;
    };
    for (let i = 0; i < 50 && (await evalSessions('Running')).length > 0; i++)
      await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await evalSessions('Running'), [], 'no evaluation session is left open');
    assert.equal((await evalSessions('Completed')).length, 8, 'two runs, one session per question each');
  });

  test('eval retrieval refuses a bad tenant, question file or folder before it starts anything', async () => {
    const before = [await searches(), await started('chatSession')];
    const malformed = path.join(work, 'malformed.jsonl');
    fs.writeFileSync(malformed, `${JSON.stringify(evalQuestions[0])}\n{"id": "x", "question": "?"}\n`);
    const good = path.join(work, 'good.jsonl');
    fs.writeFileSync(good, JSON.stringify(evalQuestions[0]));
    const cases: [string[], number, RegExp][] = [
      [['eval', 'retrieval', '--tenant', `${tenantA}" or 1`, '--questions', good], 2, /^memflow: USAGE: /],
      [['eval', 'retrieval', '--questions', good], 2, /^memflow: USAGE: /],
      [['eval', 'retrieval', '--tenant', tenantA, '--questions', good, '--manual', good], 2, /not a folder/],
      [['eval', 'recall', '--tenant', tenantA, '--questions', good], 2, /^memflow: USAGE: /],
      [['eval', 'retrieval', '--tenant', tenantA, '--questions', path.join(work, 'none.jsonl')], 1, /NOT_FOUND/],
      [['eval', 'retrieval', '--tenant', tenantA, '--questions', malformed], 1, /INVALID_INPUT: .*line 2/],
      [
        ['eval', 'retrieval', '--tenant', newTenant(), '--questions', good],
        1,
        /NOT_FOUND: Tenant .* holds no documents/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => memflowCli(args, cliEnv)));
    runs.forEach((run, i) => {
      const [args, code, message] = cases[i]!;
      assert.equal(run.code, code, `${args.join(' ')}: exit ${run.code}\n${run.stderr}`);
      assert.match(run.stderr, message);
    });
    assert.deepEqual([await searches(), await started('chatSession')], before, 'nothing was started');
  });
});
