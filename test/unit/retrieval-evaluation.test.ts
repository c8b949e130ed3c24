import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { formatRetrievalEvaluation } from '../../cli/format-retrieval-evaluation';
import { MemflowError } from '../../contracts/errors';
import type { RetrievalQuestion } from '../../contracts/retrieval-questions';
import type { EngineUnderTest } from '../../evaluation/evaluate-retrieval';
import { distinctSources, evaluateRetrieval, missedQuestions } from '../../evaluation/evaluate-retrieval';
import { MAX_EVALUATION_QUESTIONS, readQuestionFile } from '../../evaluation/question-file';

const question = (
  id: string,
  kind: RetrievalQuestion['kind'],
  text: string,
  expected: string[],
): RetrievalQuestion => ({
  id,
  kind,
  question: text,
  expected,
  fact: 'a fact',
  topic: 'test',
});

/** An engine whose rankings are scripted per question and limit, recording what it was asked. */
function scriptedEngine(
  rankings: Record<string, { deep: string[]; turn: string[]; cited: string[] }>,
): EngineUnderTest & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async search(text, limit) {
      calls.push(`search ${limit} ${text}`);
      const r = rankings[text]!;
      return { sources: limit === 6 ? r.turn : r.deep, collection: 'chunks_v0', model: 'model-a' };
    },
    async ask(q) {
      calls.push(`ask ${q.id}`);
      return { sources: rankings[q.question]!.cited, answerKind: 'extractive' };
    },
  };
}

describe('evaluateRetrieval', () => {
  const questions = [
    question('q1', 'literal', 'cat on the mat', ['a.html']),
    question('q2', 'paraphrased', 'a hound near a tree trunk', ['b.html', 'x.html']),
    question('q3', 'paraphrased', 'ferry schedule', ['z.html']),
  ];
  const engine = scriptedEngine({
    // engine: q1 rank 1; q2 distinct ranking c, c, b → rank 2; q3 not found.
    'cat on the mat': { deep: ['a.html', 'c.html'], turn: ['a.html'], cited: ['a.html'] },
    'a hound near a tree trunk': {
      deep: ['c.html', 'c.html', 'b.html'],
      turn: ['c.html'],
      cited: ['c.html', 'x.html'],
    },
    'ferry schedule': { deep: ['c.html'], turn: ['c.html'], cited: [] },
  });
  // BM25: q1 → a (cat, mat); q2 shares no word with any document; q3 → z.
  const baseline = [
    { source: 'a.html', text: 'The cat sat on the mat' },
    { source: 'b.html', text: 'The dog sat on the log' },
    { source: 'z.html', text: 'Ferry schedule for winter' },
  ];

  it('scores the four rankings by document, overall and per kind, with each question’s ranks', async () => {
    const e = await evaluateRetrieval({ questions, engine, baseline, depth: 50, turnLimit: 6 });
    assert.deepEqual(engine.calls, [
      'search 50 cat on the mat',
      'search 6 cat on the mat',
      'ask q1',
      'search 50 a hound near a tree trunk',
      'search 6 a hound near a tree trunk',
      'ask q2',
      'search 50 ferry schedule',
      'search 6 ferry schedule',
      'ask q3',
    ]);
    assert.deepEqual(
      e.perQuestion.map((q) => [q.id, q.ranks]),
      [
        ['q1', { engine: 1, passages: 1, citations: 1, bm25: 1 }],
        ['q2', { engine: 2, passages: null, citations: 2, bm25: null }],
        ['q3', { engine: null, passages: null, citations: null, bm25: 1 }],
      ],
    );
    // engine: ranks 1, 2, –: recall@1 1/3, @5 2/3, MRR (1 + 1/2)/3 = 0.5.
    assert.deepEqual(e.rankings.engine.overall, {
      questions: 3,
      recallAt: { 1: 1 / 3, 5: 2 / 3, 10: 2 / 3 },
      mrrAt10: 0.5,
    });
    assert.deepEqual(e.rankings.engine.byKind.paraphrased, {
      questions: 2,
      recallAt: { 1: 0, 5: 0.5, 10: 0.5 },
      mrrAt10: 0.25,
    });
    assert.deepEqual(e.rankings.passages.missedAt, { 1: ['q2', 'q3'], 5: ['q2', 'q3'], 10: ['q2', 'q3'] });
    assert.deepEqual(e.rankings.bm25.overall.recallAt, { 1: 2 / 3, 5: 2 / 3, 10: 2 / 3 });
    assert.deepEqual(e.perQuestion[1]!.first, {
      engine: ['c.html', 'b.html'],
      passages: ['c.html'],
      citations: ['c.html', 'x.html'],
      bm25: [],
    });
    assert.deepEqual([e.collections, e.models, e.answerKinds], [['chunks_v0'], ['model-a'], { llm: 0, extractive: 3 }]);
    assert.equal(e.baselineDocuments, 3);
    assert.deepEqual(
      missedQuestions(e).map((q) => q.id),
      ['q2', 'q3'],
      'a question any ranking misses is listed',
    );
  });

  it('prints the scores per ranking and scope, and the misses with every ranking’s page rank', async () => {
    const e = await evaluateRetrieval({ questions, engine, baseline, depth: 50, turnLimit: 6 });
    const text = formatRetrievalEvaluation({
      ...e,
      tenant: 'acme',
      questionsFile: 'q.jsonl',
      baselineSource: 'registry',
    });
    assert.match(text, /^Retrieval of tenant acme over 3 questions \(1 literal, 2 paraphrased\) from q\.jsonl/);
    assert.match(text, /engine, top 50 passages\s+overall\s+3\s+0\.333\s+0\.667\s+0\.667\s+0\.500/);
    assert.match(text, /a turn's 6 passages\s+overall\s+3\s+0\.333/);
    assert.match(text, /answer citations \(extractive\)\s+overall/);
    assert.match(text, /BM25, 3 documents\s+overall\s+3\s+0\.667/);
    assert.match(text, /Missed in the first 10 by some ranking \(2\)/);
    assert.match(text, /q2\s+paraphrased\s+b\.html x\.html\s+2\s+–\s+2\s+–\s+c\.html b\.html/);
    assert.match(text, /q3\s+paraphrased\s+z\.html\s+–\s+–\s+–\s+1\s+c\.html/);
  });

  it('folds a ranking to its distinct documents', () => {
    assert.deepEqual(distinctSources(['a', 'a', 'b', 'a', 'c', 'd'], 3), ['a', 'b', 'c']);
  });
});

describe('readQuestionFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-questions-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const line = (id: string) => JSON.stringify(question(id, 'literal', 'What does VACUUM do?', ['sql-vacuum.html']));
  const code = (c: string) => (e: unknown) => e instanceof MemflowError && e.code === c;

  it('reads a valid file', () => {
    assert.deepEqual(
      readQuestionFile(write('ok.jsonl', `${line('a')}\n${line('b')}\n`)).map((q) => q.id),
      ['a', 'b'],
    );
  });

  it('is NOT_FOUND for a missing file and INVALID_INPUT for a folder, a bad line or too many questions', () => {
    assert.throws(() => readQuestionFile(path.join(dir, 'none.jsonl')), code('NOT_FOUND'));
    assert.throws(() => readQuestionFile(dir), code('INVALID_INPUT'));
    assert.throws(
      () => readQuestionFile(write('bad.jsonl', `${line('a')}\n{"id": "b"}\n`)),
      (e: unknown) => code('INVALID_INPUT')(e) && /line 2/.test((e as Error).message),
    );
    const many = Array.from({ length: MAX_EVALUATION_QUESTIONS + 1 }, (_, i) => line(`q${i}`)).join('\n');
    assert.throws(
      () => readQuestionFile(write('many.jsonl', many)),
      (e: unknown) => code('INVALID_INPUT')(e) && /at most 1000/.test((e as Error).message),
    );
  });
});
