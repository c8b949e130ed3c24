import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { prepareDocument, prepareDocumentContent, type Chunk } from '../../adapters/documents';
import { QUESTIONS } from '../fixtures/corpus-questions';

const FIXTURES = path.resolve(__dirname, '../fixtures');
const CORPUS = path.join(FIXTURES, 'corpus');

/**
 * The corpus is built so each question is answered by exactly one document: retrieval tests can
 * ask these and check which document comes back.
 */

const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('prepareDocument', () => {
  it('reads, parses and chunks every corpus document', async () => {
    for (const name of fs.readdirSync(CORPUS).sort()) {
      const result = await prepareDocument(path.join(CORPUS, name), { baseDir: CORPUS });
      assert.ok(result.ok, result.ok ? '' : result.message);
      assert.equal(result.doc.sourceUri, name);
      assert.match(result.doc.contentHash, /^[0-9a-f]{64}$/);
      assert.equal(result.doc.bytes, fs.statSync(path.join(CORPUS, name)).size);
      assert.ok(result.doc.title.length > 0);
      assert.ok(result.chunks.length > 0);
      assert.deepEqual(
        result.chunks.map((c) => c.ordinal),
        result.chunks.map((_, i) => i),
      );
      assert.ok(result.chunks.every((c) => c.tokenCount > 0 && c.tokenCount <= 200));
    }
  });

  it('titles each kind as its parser does: <title>, front matter, H1, first line', async () => {
    const titles: Record<string, string> = {};
    for (const name of fs.readdirSync(CORPUS)) {
      const result = await prepareDocument(path.join(CORPUS, name));
      if (result.ok) titles[name] = result.doc.title;
    }
    assert.deepEqual(titles, {
      'aurora-kettle-warranty.md': 'Aurora Kettle Warranty',
      'basalt-cli-configuration.md': 'Configuring the basalt CLI',
      'lindqvist-ferry-winter-timetable.html': 'Winter timetable – Lindqvist Sound Ferries',
      'memflow-tenant-model.txt': 'memflow tenant model',
      'orchard-beekeeping-notes.txt': 'Hollow Pine Orchard: beekeeping notes',
      'postgres-routine-vacuuming.html': '24.1. Routine Vacuuming',
    });
  });

  it('answers each corpus question from exactly one document, inside one chunk', async () => {
    const chunksByFile = new Map<string, Chunk[]>();
    for (const name of fs.readdirSync(CORPUS)) {
      const result = await prepareDocument(path.join(CORPUS, name));
      assert.ok(result.ok);
      chunksByFile.set(name, result.chunks);
    }
    for (const { question, answer, file } of QUESTIONS) {
      const holders = [...chunksByFile].filter(([, chunks]) => chunks.some((c) => flat(c.text).includes(answer)));
      assert.deepEqual(
        holders.map(([name]) => name),
        [file],
        question,
      );
    }
  });

  it('prepares staged content exactly as it prepares the same file', async () => {
    for (const name of fs.readdirSync(CORPUS).sort()) {
      const fromFile = await prepareDocument(path.join(CORPUS, name), { baseDir: CORPUS });
      const fromContent = prepareDocumentContent(name, fs.readFileSync(path.join(CORPUS, name)));
      assert.deepEqual(fromContent, fromFile, name);
    }
  });

  it('applies chunking options', async () => {
    const file = path.join(CORPUS, 'memflow-tenant-model.txt');
    const result = await prepareDocument(file, { chunking: { maxTokens: 40, overlapTokens: 8 } });
    assert.ok(result.ok);
    assert.ok(result.chunks.length >= 5);
    assert.ok(result.chunks.every((c) => c.tokenCount <= 40));
  });

  it('rejects a page that is only navigation as EMPTY, and passes read rejections through', async () => {
    const navOnly = await prepareDocument(path.join(FIXTURES, 'bad', 'nav-only.html'), { baseDir: FIXTURES });
    assert.equal(navOnly.ok ? '' : navOnly.reason, 'EMPTY');
    assert.match(navOnly.ok ? '' : navOnly.message, /^bad\/nav-only\.html: has no text left once markup/);
    const binary = await prepareDocument(path.join(FIXTURES, 'bad', 'binary.txt'));
    assert.equal(binary.ok ? '' : binary.reason, 'BINARY');
  });
});
