import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Embedder } from '../../adapters/embed/embedder';
import { normalizeQuery, QueryEmbeddingCache } from '../../adapters/embed/query-embedding-cache';

/** An embedder that records every batch it is asked for; the vector encodes the text's length. */
function countingEmbedder(model = 'm1'): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    identity: { model, dim: 2, metric: 'COSINE' },
    calls,
    async embed(texts) {
      calls.push([...texts]);
      return texts.map((t) => [t.length, model.length]);
    },
    countTokens: (t) => t.length,
  };
}

describe('QueryEmbeddingCache', () => {
  it('embeds only the misses, in one batch, and counts hits and misses', async () => {
    const cache = new QueryEmbeddingCache();
    const embedder = countingEmbedder();
    assert.deepEqual(await cache.getOrEmbed(embedder, ['alpha', 'beta']), [
      [5, 2],
      [4, 2],
    ]);
    assert.deepEqual(await cache.getOrEmbed(embedder, ['beta', 'gamma', 'alpha', 'delta']), [
      [4, 2],
      [5, 2],
      [5, 2],
      [5, 2],
    ]);
    assert.deepEqual(embedder.calls, [
      ['alpha', 'beta'],
      ['gamma', 'delta'],
    ]);
    assert.deepEqual(cache.stats(), { hits: 2, misses: 4, hitRate: 2 / 6, size: 4 });
  });

  it('shares one vector between texts that differ only in case and spacing', async () => {
    assert.equal(normalizeQuery('  How  does\tVACUUM\nwork? '), 'how does vacuum work?');
    const cache = new QueryEmbeddingCache();
    const embedder = countingEmbedder();
    await cache.getOrEmbed(embedder, ['How does VACUUM work?', '  how does   vacuum work?  ']);
    await cache.getOrEmbed(embedder, ['HOW DOES VACUUM WORK?']);
    assert.deepEqual(embedder.calls, [['How does VACUUM work?']]);
    assert.equal(cache.stats().size, 1);
    assert.equal(cache.stats().hits, 2);
  });

  it('keeps models apart', async () => {
    const cache = new QueryEmbeddingCache();
    const a = countingEmbedder('model-a');
    const b = countingEmbedder('model-bb');
    await cache.getOrEmbed(a, ['same text']);
    assert.deepEqual(await cache.getOrEmbed(b, ['same text']), [[9, 8]]);
    assert.equal(b.calls.length, 1);
    assert.equal(cache.stats().size, 2);
  });

  it('expires entries after the TTL (injected clock)', async () => {
    let now = 1_000;
    const cache = new QueryEmbeddingCache({ ttlMs: 60_000, now: () => now });
    const embedder = countingEmbedder();
    await cache.getOrEmbed(embedder, ['q']);
    now += 59_999;
    await cache.getOrEmbed(embedder, ['q']);
    assert.equal(embedder.calls.length, 1, 'still fresh just before the TTL');
    now += 1;
    await cache.getOrEmbed(embedder, ['q']);
    assert.equal(embedder.calls.length, 2, 're-embedded once expired');
    assert.deepEqual(cache.stats(), { hits: 1, misses: 2, hitRate: 1 / 3, size: 1 });
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new QueryEmbeddingCache({ maxEntries: 2 });
    const embedder = countingEmbedder();
    await cache.getOrEmbed(embedder, ['a', 'b']);
    await cache.getOrEmbed(embedder, ['a']); // a is now more recent than b
    await cache.getOrEmbed(embedder, ['c']); // evicts b
    assert.equal(cache.stats().size, 2);
    embedder.calls.length = 0;
    await cache.getOrEmbed(embedder, ['a', 'c', 'b']);
    assert.deepEqual(embedder.calls, [['b']]);
  });

  it('returns copies, so a caller cannot corrupt the cache', async () => {
    const cache = new QueryEmbeddingCache();
    const embedder = countingEmbedder();
    const [first] = await cache.getOrEmbed(embedder, ['abc']);
    first?.fill(0);
    assert.deepEqual(await cache.getOrEmbed(embedder, ['abc']), [[3, 2]]);
  });

  it('reports a hit rate of 0 before any lookup', () => {
    assert.deepEqual(new QueryEmbeddingCache().stats(), { hits: 0, misses: 0, hitRate: 0, size: 0 });
  });
});
