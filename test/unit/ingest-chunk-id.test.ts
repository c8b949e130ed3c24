import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkId, docIdFor, normalizeSourceUri, textHash } from '../../adapters/documents';

describe('chunk and document ids', () => {
  it('textHash is the hex SHA-256 of the UTF-8 text', () => {
    assert.equal(textHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('chunkId is docId:version:ordinal:16 hex of the text hash, stable across calls', () => {
    const id = chunkId('0123456789abcdef01234567', 3, 7, 'Vacuum reclaims dead tuples.');
    assert.equal(id, `0123456789abcdef01234567:3:7:${textHash('Vacuum reclaims dead tuples.').slice(0, 16)}`);
    assert.equal(chunkId('0123456789abcdef01234567', 3, 7, 'Vacuum reclaims dead tuples.'), id);
    assert.notEqual(chunkId('0123456789abcdef01234567', 3, 7, 'Vacuum reclaims dead tuples!'), id);
    assert.notEqual(chunkId('0123456789abcdef01234567', 4, 7, 'Vacuum reclaims dead tuples.'), id);
  });

  it('docIdFor is 24 hex characters, the same for every spelling of a path', () => {
    const id = docIdFor('acme', 'guides/vacuum.html');
    assert.match(id, /^[0-9a-f]{24}$/);
    for (const spelling of [
      './guides/vacuum.html',
      'guides\\vacuum.html',
      'guides/old/../vacuum.html',
      'guides//vacuum.html',
    ]) {
      assert.equal(docIdFor('acme', spelling), id, spelling);
    }
    // macOS hands out decomposed (NFD) file names.
    assert.equal(docIdFor('acme', 'caf\u0065\u0301.md'), docIdFor('acme', 'caf\u00e9.md'));
  });

  it('docIdFor differs between tenants and between paths, and keeps case', () => {
    const id = docIdFor('acme', 'guides/vacuum.html');
    assert.notEqual(docIdFor('globex', 'guides/vacuum.html'), id);
    assert.notEqual(docIdFor('acme', 'guides/Vacuum.html'), id);
    assert.notEqual(docIdFor('acme', 'vacuum.html'), id);
    // A separator between tenant and path keeps ('a', 'bc') and ('ab', 'c') apart.
    assert.notEqual(docIdFor('a', 'bc'), docIdFor('ab', 'c'));
  });

  it('normalizeSourceUri gives the canonical relative spelling', () => {
    assert.equal(normalizeSourceUri('.\\docs\\a\\..\\b.md'), 'docs/b.md');
  });
});
