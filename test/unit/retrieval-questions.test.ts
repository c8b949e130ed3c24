import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { parseRetrievalQuestions } from '../../contracts/retrieval-questions';
import {
  MIN_PARAPHRASED_SHARE,
  MIN_QUESTIONS,
  POSTGRES_MANUAL_QUESTIONS,
  paraphrasedShare,
  questionSetProblems,
} from '../../bench/support/question-set';
import { readQuestionFile } from '../../evaluation/question-file';

const valid = {
  id: 'q1',
  question: 'How do I copy a database into a file?',
  expected: ['app-pgdump.html'],
  kind: 'paraphrased',
  fact: 'pg_dump is a utility for backing up a PostgreSQL database.',
  topic: 'backup',
};
const jsonl = (...lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n');

describe('the committed PostgreSQL-manual question set', () => {
  const questions = readQuestionFile(POSTGRES_MANUAL_QUESTIONS);

  it(`passes the schema with at least ${MIN_QUESTIONS} questions, ${MIN_PARAPHRASED_SHARE * 100}% of them paraphrased`, () => {
    assert.deepEqual(questionSetProblems(questions), []);
    assert.ok(questions.length >= MIN_QUESTIONS);
    assert.ok(paraphrasedShare(questions) >= MIN_PARAPHRASED_SHARE);
    assert.equal(new Set(questions.map((q) => q.id)).size, questions.length);
  });

  it('names pages of the manual by their source (a file name under html/) and spreads over many topics', () => {
    for (const q of questions) {
      for (const source of q.expected) assert.match(source, /^[a-z0-9-]+\.html$/, `${q.id}: ${source}`);
    }
    assert.ok(new Set(questions.map((q) => q.topic)).size >= 10);
    const biggestTopic = Math.max(
      ...[...new Set(questions.map((q) => q.topic))].map((t) => questions.filter((q) => q.topic === t).length),
    );
    assert.ok(biggestTopic <= questions.length / 4, `one topic holds ${biggestTopic} questions`);
  });
});

describe('parseRetrievalQuestions', () => {
  it('reads one question per line and skips blank lines', () => {
    const parsed = parseRetrievalQuestions(`${jsonl(valid, { ...valid, id: 'q2', kind: 'literal' })}\n\n`);
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.value.map((q) => [q.id, q.kind]),
      [
        ['q1', 'paraphrased'],
        ['q2', 'literal'],
      ],
    );
  });

  it('names each bad line: not JSON, an unknown key, a bad kind, a path out of the folder, a repeated id', () => {
    const parsed = parseRetrievalQuestions(
      [
        '{"id": "q1",',
        jsonl({ ...valid, id: 'q2', answer: 'x' }),
        jsonl({ ...valid, id: 'q3', kind: 'fuzzy' }),
        jsonl({ ...valid, id: 'q4', expected: ['../secret.html'] }),
        jsonl(valid, valid),
      ].join('\n'),
    );
    assert.ok(!parsed.ok);
    assert.match(parsed.message, /line 1: not JSON/);
    assert.match(parsed.message, /line 2: .*answer/);
    assert.match(parsed.message, /line 3: kind/);
    assert.match(parsed.message, /line 4: expected\.0: .*climbs out/);
    assert.match(parsed.message, /line 6: id "q1" is already used on line 5/);
  });

  it('refuses an empty set and an expected source listed twice', () => {
    assert.ok(!parseRetrievalQuestions('\n').ok);
    const twice = parseRetrievalQuestions(jsonl({ ...valid, expected: ['a.html', 'a.html'] }));
    assert.ok(!twice.ok);
    assert.match(twice.message, /listed twice/);
  });
});

describe('questionSetProblems', () => {
  it('reports too few questions and too few paraphrased ones', () => {
    const literal = { ...valid, kind: 'literal' as const };
    const few = Array.from({ length: 3 }, (_, i) => ({ ...literal, id: `q${i}` }));
    assert.deepEqual(questionSetProblems(few), [
      `3 questions; at least ${MIN_QUESTIONS} needed`,
      `0.0% paraphrased; at least 50% needed`,
    ]);
  });
});

it('the question set file ends with a newline and has no blank lines (one question per line)', () => {
  const text = fs.readFileSync(POSTGRES_MANUAL_QUESTIONS, 'utf8');
  assert.ok(text.endsWith('\n'));
  assert.ok(
    !text
      .slice(0, -1)
      .split('\n')
      .some((line) => line.trim() === ''),
  );
});
