import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSearch } from '../../cli/search-command';
import { cell, textTable } from '../../cli/text-table';
import type { SearchReply } from '../../client/search';
import { searchIndexInputSchema } from '../../contracts/search';

const reply: SearchReply = {
  tenant: 'acme',
  query: 'kettle warranty',
  limit: 6,
  collection: 'memflow_chunks_all_minilm_l6_v2_v0',
  model: 'all-minilm-l6-v2',
  lexical: 'milvus',
  legDepth: 12,
  memories: [],
  workflowId: 'search/acme/2026-11-30T00:00:00.000Z-abcdef',
  hits: [
    {
      rank: 1,
      chunkId: 'd1:1:0:aa',
      docId: 'd1',
      docVersion: 1,
      title: 'Aurora Kettle Warranty\n\u001b[31mred',
      source: 'aurora-kettle-warranty.md',
      score: 1 / 61 + 1 / 62,
      legs: { dense: 2, lexical: 1 },
    },
    {
      rank: 2,
      chunkId: 'd2:1:3:bb',
      docId: 'd2',
      docVersion: 1,
      title: 'Ferry',
      source: 'ferry.html',
      score: 1 / 63,
      legs: { dense: 3, lexical: null },
    },
  ],
};

describe('formatSearch', () => {
  it('prints rank, fused score, each leg rank, source, title and chunk id, one row per passage', () => {
    const lines = formatSearch(reply, 'http://ui/w').split('\n');
    const header = lines.findIndex((l) => l.startsWith('rank'));
    assert.match(lines[header]!, /^rank\s+fused score\s+dense rank\s+BM25 rank\s+source\s+title\s+chunk id$/);
    assert.match(
      lines[header + 2]!,
      /^\s+1\s+0\.0325\s+2\s+1\s+aurora-kettle-warranty\.md\s+Aurora Kettle Warranty \[31mred\s+d1:1:0:aa$/,
    );
    assert.match(lines[header + 3]!, /^\s+2\s+0\.0159\s+3\s+–\s+ferry\.html\s+Ferry\s+d2:1:3:bb$/);
    assert.ok(!lines.join('\n').includes('\u001b'), 'control characters never reach the terminal');
    assert.match(
      lines.join('\n'),
      /first 12 \(– : not among them\); fused score = 1\.5\/\(60 \+ dense rank\) \+ 1\/\(60 \+ BM25 rank\)/,
    );
    assert.match(lines.join('\n'), /grouped by document, documents ranked by Σ 0\.7\^i × their chunks' scores/);
    assert.ok(lines.includes('  http://ui/w'));
  });

  it("names PostgreSQL's full text as the lexical leg when it is", () => {
    const text = formatSearch({ ...reply, lexical: 'postgres' }, 'u');
    assert.match(text, /dense \+ PostgreSQL full text over the registry, fused by weighted reciprocal rank fusion/);
    assert.match(text, /^rank\s+fused score\s+dense rank\s+text rank\s+source/m);
    assert.match(text, /fused score = 1\.5\/\(60 \+ dense rank\) \+ 1\/\(60 \+ text rank\)/);
  });

  it('says when the search is dense-only and when nothing was found', () => {
    const dense = formatSearch(
      { ...reply, lexical: null, hits: [{ ...reply.hits[1]!, legs: { dense: 1, lexical: null } }] },
      'u',
    );
    assert.match(dense, /dense only \(Milvus's BM25 was asked for and this collection has none\)/);
    assert.match(dense, /^rank\s+score\s+dense rank/m);
    assert.match(dense, /score = 1\.5\/\(60 \+ dense rank\)/);
    assert.match(dense, /\s+1\s+n\/a\s+ferry\.html/);
    assert.match(formatSearch({ ...reply, hits: [] }, 'u'), /No passages: tenant acme holds no document that matches/);
  });
});

describe('searchIndexInputSchema', () => {
  const ok = (v: unknown) => searchIndexInputSchema.safeParse(v).success;
  it('takes a tenant, a query of at most 4,000 characters and a limit of 1-50', () => {
    assert.ok(ok({ tenant: 'acme', query: 'vacuum' }));
    assert.ok(ok({ tenant: 'acme', query: 'x'.repeat(4000), limit: 50 }));
    assert.ok(ok({ tenant: 'acme', query: 'vacuum', limit: 1 }));
  });
  it('refuses anything else, unknown keys (a tenant filter) included', () => {
    for (const bad of [
      {},
      { tenant: 'acme' },
      { tenant: 'acme', query: ' \n ' },
      { tenant: 'acme', query: 'x'.repeat(4001) },
      { tenant: 'acme', query: 'q', limit: 0 },
      { tenant: 'acme', query: 'q', limit: 51 },
      { tenant: 'acme', query: 'q', limit: 2.5 },
      { tenant: 'acme', query: 'q', limit: '5' },
      { tenant: 'acme" or tenant != "x', query: 'q' },
      { tenant: 'acme', query: 'q', filter: { tenant: 'other' } },
    ]) {
      assert.ok(!ok(bad), JSON.stringify(bad).slice(0, 80));
    }
  });
});

describe('textTable', () => {
  it('pads columns, right-aligning the numeric ones', () => {
    assert.equal(
      textTable(
        ['a', 'n'],
        [
          ['xyz', '1'],
          ['w', '10'],
        ],
        new Set([1]),
      ),
      'a     n\n---  --\nxyz   1\nw    10',
    );
  });
  it('cells lose control characters and are clipped with an ellipsis', () => {
    assert.equal(cell('one\ntwo\u0007'), 'one two');
    assert.equal(cell('abcdefgh', 5), 'abcd…');
  });
});
