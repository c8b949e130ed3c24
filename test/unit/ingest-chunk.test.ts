import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMemflowError } from '../../contracts/errors';
import { approximateTokenCount, chunkId, chunkSections, type Chunk, type Section } from '../../adapters/documents';

/** Distinct, numbered sentences, so every chunk's position in its section is unambiguous. */
const sentence = (topic: string, i: number) => `The ${topic} sentence number ${i} carries a few ordinary words.`;
const paragraph = (topic: string, from: number, count: number) =>
  Array.from({ length: count }, (_, k) => sentence(topic, from + k)).join(' ');
const longSection = (topic: string, paragraphs: number, sentencesEach: number): Section => ({
  headingPath: ['Guide', topic],
  text: Array.from({ length: paragraphs }, (_, p) => paragraph(topic, p * sentencesEach, sentencesEach)).join('\n\n'),
});

/** A counter unlike the default: two tokens per word plus [CLS]/[SEP], so counts are not additive. */
const wordPieceLike = (text: string) => 2 + 2 * (text.match(/\S+/g)?.length ?? 0);

/** Where each chunk sits in its section's text; fails if a chunk is not a verbatim slice of it. */
function spans(section: Section, chunks: Chunk[]): Array<{ start: number; end: number }> {
  return chunks.map((chunk) => {
    const start = section.text.indexOf(chunk.text);
    assert.ok(start >= 0, `chunk ${chunk.ordinal} is not a slice of its section: ${chunk.text.slice(0, 60)}…`);
    assert.equal(section.text.indexOf(chunk.text, start + 1), -1, 'chunk text should be unique in the fixture');
    return { start, end: start + chunk.text.length };
  });
}

describe('chunkSections', () => {
  const section = longSection('vacuum', 6, 9);
  const options = { maxTokens: 120, overlapTokens: 30, countTokens: wordPieceLike };
  const chunks = chunkSections([section], options);

  it('keeps every chunk within maxTokens as counted by the injected counter', () => {
    assert.ok(chunks.length >= 5, `expected several chunks, got ${chunks.length}`);
    for (const chunk of chunks) {
      assert.equal(chunk.tokenCount, wordPieceLike(chunk.text));
      assert.ok(chunk.tokenCount <= 120, `chunk ${chunk.ordinal} has ${chunk.tokenCount} tokens`);
    }
  });

  it('covers the whole section, each chunk repeating up to overlapTokens of the previous one', () => {
    const positions = spans(section, chunks);
    assert.equal(positions[0]?.start, 0);
    assert.equal(positions.at(-1)?.end, section.text.length);
    for (let i = 1; i < positions.length; i += 1) {
      const previous = positions[i - 1]!;
      const current = positions[i]!;
      assert.ok(current.start > previous.start, 'chunks advance');
      assert.ok(current.start < previous.end, `chunk ${i} should overlap chunk ${i - 1}`);
      const repeated = section.text.slice(current.start, previous.end);
      assert.ok(wordPieceLike(repeated) <= 30, `overlap of chunk ${i} is ${wordPieceLike(repeated)} tokens`);
    }
  });

  it('never splits a word and ends chunks at sentence ends when it can', () => {
    for (const { start, end } of spans(section, chunks)) {
      assert.ok(start === 0 || /\s/.test(section.text[start - 1]!), 'chunk starts at a word');
      assert.ok(end === section.text.length || /\s/.test(section.text[end]!), 'chunk ends at a word');
    }
    for (const chunk of chunks) assert.match(chunk.text, /^The vacuum sentence number \d+ .*words\.$/s);
  });

  it('prefers paragraph breaks: paragraphs that fit are never cut', () => {
    // Five 30-token paragraphs, 200-token chunks: each chunk should hold whole paragraphs.
    const short = longSection('autovacuum', 5, 3);
    const result = chunkSections([short], { maxTokens: 200, overlapTokens: 0, countTokens: wordPieceLike });
    const paragraphs = short.text.split('\n\n');
    for (const chunk of result) {
      for (const part of chunk.text.split('\n\n')) assert.ok(paragraphs.includes(part), `cut paragraph: ${part}`);
    }
    assert.deepEqual(result.map((c) => c.text).join('\n\n'), short.text);
  });

  it('splits one over-long sentence between words, losing none', () => {
    const words = Array.from({ length: 700 }, (_, i) => `w${i}`);
    const run: Section = { headingPath: [], text: words.join(' ') };
    const result = chunkSections([run], { maxTokens: 100, overlapTokens: 10 });
    assert.ok(result.length > 7);
    const seen = new Set<string>();
    for (const chunk of result) {
      assert.ok(approximateTokenCount(chunk.text) <= 100);
      for (const word of chunk.text.split(' ')) {
        assert.ok(words.includes(word), `"${word}" is not a whole word`);
        seen.add(word);
      }
    }
    assert.equal(seen.size, words.length);
  });

  it('cuts a whitespace-free blob longer than maxTokens by characters', () => {
    const blob = 'QUJD'.repeat(500);
    const result = chunkSections([{ headingPath: [], text: `before ${blob} after` }], {
      maxTokens: 50,
      overlapTokens: 5,
      countTokens: (text) => Math.ceil(text.length / 4),
    });
    assert.ok(result.every((c) => c.tokenCount <= 50));
    assert.equal(result[0]?.text, 'before');
    assert.equal(result.at(-1)?.text, 'after');
    assert.equal(
      result
        .slice(1, -1)
        .map((c) => c.text)
        .join(''),
      blob,
    );
  });

  it('never crosses sections; ordinals run across them; tiny sections stay small', () => {
    const sections = [
      longSection('alpha', 3, 8),
      { headingPath: ['Tiny'], text: 'Just one line.' },
      longSection('omega', 3, 8),
    ];
    const result = chunkSections(sections, { maxTokens: 80, overlapTokens: 20 });
    assert.deepEqual(
      result.map((c) => c.ordinal),
      result.map((_, i) => i),
    );
    for (const chunk of result) {
      const owner = sections.find((s) => s.text.includes(chunk.text));
      assert.ok(owner, `chunk ${chunk.ordinal} spans sections`);
      assert.deepEqual(chunk.headingPath, owner.headingPath);
    }
    assert.deepEqual(
      result.filter((c) => c.headingPath[0] === 'Tiny').map((c) => c.text),
      ['Just one line.'],
    );
  });

  it('is deterministic, so chunk ids are too', () => {
    const again = chunkSections([structuredClone(section)], options);
    assert.deepEqual(again, chunks);
    const ids = (list: Chunk[]) => list.map((c) => chunkId('doc', 1, c.ordinal, c.text));
    assert.deepEqual(ids(again), ids(chunks));
    assert.equal(new Set(ids(chunks)).size, chunks.length);
  });

  it('with no overlap, partitions the text into consecutive slices', () => {
    const result = chunkSections([section], { ...options, overlapTokens: 0 });
    const positions = spans(section, result);
    for (let i = 1; i < positions.length; i += 1) {
      assert.match(section.text.slice(positions[i - 1]!.end, positions[i]!.start), /^\s+$/);
    }
  });

  it('uses the defaults (200 tokens, 40 overlap, approximate counter) and skips empty sections', () => {
    // One long paragraph: nothing to prefer over sentence ends, so chunks fill up towards 200.
    const single = longSection('defaults', 1, 60);
    const result = chunkSections([{ headingPath: ['Empty'], text: ' \n ' }, single]);
    assert.ok(result.length > 3);
    assert.ok(result.every((c) => c.tokenCount <= 200 && c.headingPath[0] === 'Guide'));
    assert.ok(
      result.slice(0, -1).every((c) => c.tokenCount > 170),
      result.map((c) => c.tokenCount).join(','),
    );
    const positions = spans(single, result);
    for (let i = 1; i < positions.length; i += 1) {
      const overlap = approximateTokenCount(single.text.slice(positions[i]!.start, positions[i - 1]!.end));
      assert.ok(overlap > 0 && overlap <= 40, `overlap ${overlap}`);
    }
  });

  it('refuses impossible options', () => {
    const bad = [{ maxTokens: 0 }, { maxTokens: 10, overlapTokens: 10 }, { overlapTokens: -1 }, { maxTokens: 1.5 }];
    for (const opts of bad) {
      assert.throws(
        () => chunkSections([section], opts),
        (err) => isMemflowError(err, 'INVALID_INPUT'),
        JSON.stringify(opts),
      );
    }
  });
});

describe('approximateTokenCount', () => {
  it('counts words, punctuation marks and CJK characters', () => {
    assert.equal(approximateTokenCount('Hello, world!'), 4);
    assert.equal(approximateTokenCount('autovacuum_freeze_max_age = 200000000;'), 10);
    assert.equal(approximateTokenCount('東京タワー'), 5);
    assert.equal(approximateTokenCount('  \n '), 0);
  });
});
