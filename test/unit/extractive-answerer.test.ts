import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXTRACTIVE_LABEL, contentTerms, extractiveAnswer } from '../../adapters/llm/extractive-answerer';
import { extractivePlan } from '../../adapters/llm/extractive-planner';

const passages = [
  {
    id: 'pg15/runtime-config-wal#3',
    title: 'Write Ahead Log',
    text:
      'The WAL writer runs in the background. Settings in this section control how often it flushes.\n\n' +
      'Checkpoints are points in the sequence of transactions at which all data files have been updated.',
  },
  {
    id: 'pg15/routine-vacuuming#1',
    title: 'Routine Vacuuming',
    text:
      'PostgreSQL databases require periodic maintenance known as vacuuming. ' +
      'The autovacuum daemon automates the execution of VACUUM and ANALYZE commands. ' +
      'VACUUM reclaims storage occupied by dead tuples, which remain after rows are updated or deleted.',
  },
  {
    id: 'pg15/indexes#7',
    title: 'Indexes',
    text: 'Indexes are a common way to enhance database performance. An index allows the server to find rows faster.',
  },
];

describe('extractiveAnswer', () => {
  it('labels itself and cites the passage that holds the answer', () => {
    const answer = extractiveAnswer({ question: 'What does VACUUM reclaim from dead tuples?', passages });
    assert.ok(answer.text.startsWith(EXTRACTIVE_LABEL));
    assert.equal(EXTRACTIVE_LABEL, 'Extractive answer (no language model configured):');
    assert.match(answer.text, /VACUUM reclaims storage occupied by dead tuples[^[]*\[2\]/);
    // The best sentence comes first.
    assert.ok(answer.text.indexOf('reclaims storage') < answer.text.indexOf('[2]'));
    assert.deepEqual(answer.citations[0], {
      marker: 2,
      passageId: 'pg15/routine-vacuuming#1',
      title: 'Routine Vacuuming',
    });
    assert.ok(!answer.text.includes('[1]'), 'the WAL passage does not answer this');
  });

  it('quotes one sentence per matching document, in retrieval order, and cites each one', () => {
    const answer = extractiveAnswer({ question: 'How do vacuum, autovacuum and indexes help the database?', passages });
    const markers = answer.text.slice(EXTRACTIVE_LABEL.length).match(/\[\d+\]/g) ?? [];
    assert.deepEqual(markers, ['[2]', '[3]'], 'the WAL passage shares no term; the other two in their order');
    assert.deepEqual(
      answer.citations.map((c) => c.marker),
      [2, 3],
    );
  });

  it("passages of one document give one sentence: that document's best", () => {
    const grouped = [
      { id: 'vac#1', document: 'vacuum', text: 'Vacuuming is routine maintenance work for every table.' },
      { id: 'vac#2', document: 'vacuum', text: 'VACUUM reclaims storage occupied by dead tuples in the table.' },
      { id: 'idx#1', document: 'indexes', text: 'Dead tuples also leave index entries behind until the next VACUUM.' },
    ];
    const answer = extractiveAnswer({ question: 'What does VACUUM reclaim from dead tuples?', passages: grouped });
    assert.match(answer.text, /VACUUM reclaims storage occupied by dead tuples in the table\. \[2\] Dead tuples also/);
    assert.ok(!answer.text.includes('[1]'), "the vacuum document's weaker sentence is not quoted too");
    assert.deepEqual(
      answer.citations.map((c) => c.passageId),
      ['vac#2', 'idx#1'],
    );
    const one = extractiveAnswer({
      question: 'What does VACUUM reclaim from dead tuples?',
      passages: grouped,
      maxDocuments: 1,
    });
    assert.deepEqual(
      one.citations.map((c) => c.passageId),
      ['vac#2'],
    );
  });

  it('says so when no passage was retrieved or none matches', () => {
    const none = extractiveAnswer({ question: 'What is MVCC?', passages: [] });
    assert.ok(none.text.startsWith(EXTRACTIVE_LABEL));
    assert.match(none.text, /no passages were retrieved/);
    assert.deepEqual(none.citations, []);

    const unmatched = extractiveAnswer({ question: 'Explain sharding topology', passages });
    assert.match(unmatched.text, /no retrieved sentence shares terms with the question/);
    assert.equal(unmatched.citations[0]?.passageId, 'pg15/runtime-config-wal#3');
  });

  it('matches simple inflections', () => {
    assert.deepEqual(contentTerms('Indexes vacuuming tuples'), contentTerms('index vacuum tuple'));
  });
});

describe('extractivePlan', () => {
  it('searches for the question itself, with no filters and no tool', () => {
    assert.deepEqual(extractivePlan('  How does   VACUUM work? '), {
      intent: 'search',
      queries: ['How does VACUUM work?'],
      filters: {},
      tool: null,
      planner: 'extractive',
    });
  });
});
