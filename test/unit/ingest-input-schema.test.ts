import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_DOCUMENTS_PER_INGEST,
  checkIngestBatchInput,
  checkIngestCarry,
  checkIngestOptions,
  checkIngestRequest,
  sliceSource,
  sourceUris,
} from '../../contracts/ingest';
import { relativePathProblem } from '../../contracts/relative-path';

const STAGED_ID = 'a'.repeat(32);
const staged = {
  staged: [{ stagedId: STAGED_ID, sourceUri: 'guides/vacuum.html' }],
  stagedAt: '2026-11-30T10:00:00.000Z',
};
const corpus = { corpus: 'pg-docs', paths: ['routine-vacuuming.html', 'guides/deep/page.md'] };

function refused(result: { ok: boolean; message?: string }, pattern: RegExp) {
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.message!, pattern);
}

describe('the ingest workflow input schemas', () => {
  it('accept a staged or a corpus source with bounded options', () => {
    for (const source of [staged, corpus]) {
      const result = checkIngestRequest({ tenant: 'acme', source, batchSize: 20, concurrency: 2, maxBytes: 1024 });
      assert.ok(result.ok, result.ok ? '' : result.message);
    }
    const rejected = [
      { sourceUri: 'big.md', reason: 'TOO_LARGE', message: 'big.md: is 3.0 MiB, over the 2.0 MiB limit.' },
    ];
    assert.ok(checkIngestRequest({ tenant: 'acme', source: staged, rejected }).ok);
  });

  it("refuse the old shape that named the worker's files", () => {
    const result = checkIngestRequest({ tenant: 'acme', baseDir: '/', files: ['/etc/passwd'] });
    refused(result, /^Invalid ingestDocuments input: .*Unrecognized key\(s\) in object: 'baseDir', 'files'/);
    refused(result, /source: Required/);
  });

  it('refuse unknown keys at every level', () => {
    refused(
      checkIngestRequest({ tenant: 'acme', source: corpus, extra: 1 }),
      /Unrecognized key\(s\) in object: 'extra'/,
    );
    refused(
      checkIngestRequest({ tenant: 'acme', source: { ...corpus, baseDir: '/' } }),
      /source: Unrecognized key\(s\) in object: 'baseDir'/,
    );
    refused(
      checkIngestRequest({
        tenant: 'acme',
        source: { staged: [{ ...staged.staged[0], path: '/etc/passwd' }], stagedAt: staged.stagedAt },
      }),
      /source\.staged\.0: Unrecognized key\(s\) in object: 'path'/,
    );
  });

  it('refuse bad tenants', () => {
    for (const tenant of ['', 'a b', '../x', '-lead', 'x'.repeat(129), 7]) {
      refused(checkIngestRequest({ tenant, source: corpus }), /tenant: /);
    }
  });

  it('refuse batch sizes, concurrency and maxBytes that are not positive bounded integers', () => {
    const cases: Array<[string, unknown]> = [
      ['batchSize', 0],
      ['batchSize', -1],
      ['batchSize', 1.5],
      ['batchSize', 201],
      ['batchSize', '20'],
      ['concurrency', 0],
      ['concurrency', 17],
      ['concurrency', Number.NaN],
      ['maxBytes', 0],
      ['maxBytes', 16 * 1024 * 1024 + 1],
    ];
    for (const [key, value] of cases) {
      refused(checkIngestRequest({ tenant: 'acme', source: corpus, [key]: value }), new RegExp(`${key}: `));
      refused(checkIngestOptions({ tenant: 'acme', [key]: value }), new RegExp(`^Invalid ingest options: ${key}: `));
    }
  });

  it('refuse corpus paths and source URIs that leave their folder or are hidden', () => {
    for (const p of [
      '/etc/passwd',
      '../.env',
      'a/../../b.md',
      '.env',
      'docs/.git/config.md',
      'a//b.md',
      './a.md',
      'a\\b.md',
      '',
    ]) {
      refused(checkIngestRequest({ tenant: 'acme', source: { corpus: 'pg', paths: [p] } }), /source\.paths\.0: /);
      refused(
        checkIngestRequest({
          tenant: 'acme',
          source: { staged: [{ stagedId: STAGED_ID, sourceUri: p }], stagedAt: staged.stagedAt },
        }),
        /source\.staged\.0\.sourceUri: /,
      );
    }
  });

  it('refuse malformed staged ids, times and corpus names, and empty or oversized sources', () => {
    refused(
      checkIngestRequest({ tenant: 'acme', source: { ...staged, staged: [{ stagedId: 'XYZ', sourceUri: 'a.md' }] } }),
      /stagedId/,
    );
    refused(checkIngestRequest({ tenant: 'acme', source: { ...staged, stagedAt: 'yesterday' } }), /stagedAt/);
    refused(checkIngestRequest({ tenant: 'acme', source: { corpus: '../etc', paths: ['a.md'] } }), /corpus: /);
    refused(checkIngestRequest({ tenant: 'acme', source: { corpus: 'pg', paths: [] } }), /paths: /);
    const many = Array.from({ length: MAX_DOCUMENTS_PER_INGEST + 1 }, (_, i) => `doc-${i}.md`);
    refused(checkIngestRequest({ tenant: 'acme', source: { corpus: 'pg', paths: many } }), /paths: /);
  });

  it('check the batch input and the carry-over state too', () => {
    assert.ok(checkIngestBatchInput({ tenant: 'acme', maxBytes: 1024, source: corpus }).ok);
    refused(
      checkIngestBatchInput({ tenant: 'acme', baseDir: '/', files: ['/etc/passwd'], maxBytes: 1 }),
      /Unrecognized key/,
    );
    refused(checkIngestBatchInput({ tenant: 'acme', source: corpus }), /maxBytes: Required/);
    const manyPaths = Array.from({ length: 201 }, (_, i) => `d${i}.md`);
    refused(
      checkIngestBatchInput({ tenant: 'acme', maxBytes: 1, source: { corpus: 'pg', paths: manyPaths } }),
      /at most 200/,
    );
    refused(checkIngestCarry({ nextBatch: -1, startedAt: 0, progress: {} }), /nextBatch/);
  });

  it('slice a source into batches of the same kind, keeping the source URIs for reporting', () => {
    assert.deepEqual(sliceSource(corpus, 1, 2), { corpus: 'pg-docs', paths: ['guides/deep/page.md'] });
    assert.deepEqual(sliceSource(staged, 0, 1), staged);
    assert.deepEqual(sourceUris(staged), ['guides/vacuum.html']);
  });
});

describe('relativePathProblem', () => {
  it('accepts plain relative paths, including dots inside names', () => {
    for (const p of ['a.md', 'guides/deep/page.html', 'v1.2/notes.txt', 'a..b.md', 'Ünïcode/页.md']) {
      assert.equal(relativePathProblem(p), undefined, p);
    }
  });

  it('classifies what is wrong', () => {
    const kinds: Array<[string, string]> = [
      ['/etc/passwd', 'escapes'],
      ['../x.md', 'escapes'],
      ['a/../../x.md', 'escapes'],
      ['.env', 'hidden'],
      ['a/.git/config.md', 'hidden'],
      ['', 'malformed'],
      ['a//b.md', 'malformed'],
      ['a/./b.md', 'malformed'],
      ['a/', 'malformed'],
      ['a\\b.md', 'malformed'],
      ['a\nb.md', 'malformed'],
      ['x'.repeat(1025), 'malformed'],
    ];
    for (const [p, kind] of kinds) assert.equal(relativePathProblem(p)?.kind, kind, JSON.stringify(p));
  });
});
