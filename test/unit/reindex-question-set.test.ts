import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { questionSetFromFlags, reindexCommand } from '../../cli/reindex-command';
import { startReindex } from '../../client/reindex';
import { REPO_ROOT } from '../../config/config';
import { MemflowError } from '../../contracts/errors';
import { MAX_GATE_QUESTIONS, reindexInputSchema, reindexQuestionSetSchema } from '../../contracts/reindex';
import { testConfig } from '../support/test-env';

const MANUAL_QUESTIONS = path.join(REPO_ROOT, 'bench', 'questions', 'postgres-manual.jsonl');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-gate-questions-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function questionLine(i: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: `q${i}`,
    question: `Question number ${i}?`,
    expected: ['page.html'],
    kind: i % 2 ? 'literal' : 'paraphrased',
    fact: 'A fact.',
    topic: 'test',
    ...extra,
  });
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

const usage = (pattern: RegExp) => (e: unknown) =>
  e instanceof MemflowError && e.code === 'USAGE' && pattern.test(e.message);

describe('the question set of a re-embed, checked at the boundary', () => {
  it('takes a whole question file as parsed, dropping fact and topic; the saga input stays valid without one', () => {
    const set = questionSetFromFlags({ questions: MANUAL_QUESTIONS, 'questions-tenant': 'pgdocs' })!;
    assert.equal(set.questions.length, 116);
    assert.equal(set.tenant, 'pgdocs');
    assert.deepEqual(Object.keys(set.questions[0]!).sort(), ['expected', 'id', 'kind', 'question']);
    const input = { reindexId: 1, targetVersion: 'v', model: 'm' };
    assert.ok(reindexInputSchema.safeParse(input).success, 'sagas started before question sets still parse');
    assert.ok(reindexInputSchema.safeParse({ ...input, questionSet: set }).success);
    assert.ok(
      !reindexInputSchema.safeParse({ ...input, questionSet: { ...set, tenant: 'a b' } }).success,
      'the saga refuses what the client would',
    );
  });

  it('refuses a bad file, a missing file, an oversized set and bad flags as usage errors (exit 2)', () => {
    assert.throws(() => questionSetFromFlags({ questions: MANUAL_QUESTIONS }), usage(/go together/));
    assert.throws(() => questionSetFromFlags({ 'questions-tenant': 't' }), usage(/go together/));
    assert.throws(() => questionSetFromFlags({ 'recall-tolerance': '0.1' }), usage(/go together/));
    assert.throws(
      () => questionSetFromFlags({ questions: path.join(dir, 'absent.jsonl'), 'questions-tenant': 't' }),
      usage(/No question file at/),
    );
    const bad = file('bad.jsonl', `${questionLine(1)}\nnot json\n${questionLine(3, { kind: 'vague' })}\n`);
    assert.throws(
      () => questionSetFromFlags({ questions: bad, 'questions-tenant': 't' }),
      usage(/line 2: not JSON.*line 3: kind/),
    );
    const many = file(
      'many.jsonl',
      Array.from({ length: MAX_GATE_QUESTIONS + 1 }, (_, i) => questionLine(i)).join('\n'),
    );
    assert.throws(
      () => questionSetFromFlags({ questions: many, 'questions-tenant': 't' }),
      usage(new RegExp(`at most ${MAX_GATE_QUESTIONS} questions`)),
    );
    const long = file(
      'long.jsonl',
      Array.from({ length: 120 }, (_, i) => questionLine(i, { question: `${'why '.repeat(490)}${i}?` })).join('\n'),
    );
    assert.throws(() => questionSetFromFlags({ questions: long, 'questions-tenant': 't' }), usage(/at most 192 KiB/));
    const ok = file('ok.jsonl', questionLine(1));
    assert.throws(() => questionSetFromFlags({ questions: ok, 'questions-tenant': 'no tenant!' }), usage(/tenant/));
    for (const tolerance of ['abc', '-0.1', '1.5', ''])
      assert.throws(
        () => questionSetFromFlags({ questions: ok, 'questions-tenant': 't', 'recall-tolerance': tolerance }),
        usage(/recallTolerance/),
        tolerance,
      );
    assert.equal(
      questionSetFromFlags({ questions: ok, 'questions-tenant': 't', 'recall-tolerance': '0.05' })!.recallTolerance,
      0.05,
    );
  });

  it('memflow reindex start with a bad question file fails before it connects to anything', async () => {
    // Nothing listens on these: a command that connected first would fail with another error.
    const config = testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    const printed: string[] = [];
    const ctx = { json: false, print: (t: string) => printed.push(t), log: () => undefined };
    const bad = file('bad-cli.jsonl', 'not json\n');
    await assert.rejects(
      reindexCommand(
        config,
        ['start', '--model', 'paraphrase-minilm-l3-v2', '--questions', bad, '--questions-tenant', 't'],
        ctx,
      ),
      usage(/line 1: not JSON/),
    );
    await assert.rejects(reindexCommand(config, ['status', '--questions', bad], ctx), usage(/go with reindex start/));
    assert.deepEqual(printed, []);
  });

  it('startReindex refuses a bad question set with INVALID_INPUT before it writes or starts anything', async () => {
    const touched: string[] = [];
    const untouchable = <T extends object>(name: string) =>
      new Proxy({} as T, {
        get(_, key) {
          touched.push(`${name}.${String(key)}`);
          throw new Error(`${name} must not be used`);
        },
      });
    const set = reindexQuestionSetSchema.parse({
      tenant: 't',
      questions: [JSON.parse(questionLine(1))],
    });
    for (const questionSet of [
      { ...set, tenant: '' },
      { ...set, questions: [] },
      { ...set, questions: [...set.questions, ...set.questions] },
      { ...set, recallTolerance: 2 },
      { ...set, questions: [{ ...set.questions[0]!, expected: ['../etc/passwd'] }] },
    ]) {
      await assert.rejects(
        startReindex(untouchable<Client>('client'), testConfig(), untouchable<Pool>('db'), {
          model: 'paraphrase-minilm-l3-v2',
          questionSet,
        }),
        (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT' && /question set/.test(e.message),
        JSON.stringify(questionSet).slice(0, 200),
      );
    }
    assert.deepEqual(touched, [], 'neither Temporal nor PostgreSQL was touched');
  });
});
