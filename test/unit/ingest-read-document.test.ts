import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isMemflowError } from '../../contracts/errors';
import { checkDocumentContent, DEFAULT_MAX_DOCUMENT_BYTES, looksBinary, readDocument } from '../../adapters/documents';

const FIXTURES = path.resolve(__dirname, '../fixtures');
const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

describe('readDocument', () => {
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-ingest-read-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, content);
    return file;
  };

  it('accepts every corpus document with its kind, size, text and hash of the raw bytes', async () => {
    const expectedKinds: Record<string, string> = {
      'aurora-kettle-warranty.md': 'markdown',
      'basalt-cli-configuration.md': 'markdown',
      'lindqvist-ferry-winter-timetable.html': 'html',
      'memflow-tenant-model.txt': 'text',
      'orchard-beekeeping-notes.txt': 'text',
      'postgres-routine-vacuuming.html': 'html',
    };
    assert.deepEqual(fs.readdirSync(path.join(FIXTURES, 'corpus')).sort(), Object.keys(expectedKinds));
    for (const [name, kind] of Object.entries(expectedKinds)) {
      const file = path.join(FIXTURES, 'corpus', name);
      const raw = fs.readFileSync(file);
      const result = await readDocument(file, { baseDir: FIXTURES });
      assert.ok(result.ok, `${name}: ${result.ok ? '' : result.message}`);
      assert.equal(result.doc.kind, kind, name);
      assert.equal(result.doc.sourceUri, `corpus/${name}`);
      assert.equal(result.doc.bytes, raw.length);
      assert.equal(result.doc.text, raw.toString('utf8'));
      assert.equal(result.doc.contentHash, sha256(raw));
    }
  });

  it('rejects each bad fixture with its reason and a message naming the file', async () => {
    const expected: Array<[string, string]> = [
      ['binary.txt', 'BINARY'],
      ['control-chars.txt', 'BINARY'],
      ['invalid-utf8.txt', 'INVALID_UTF8'],
      ['utf16.txt', 'INVALID_UTF8'],
      ['empty.md', 'EMPTY'],
      ['whitespace-only.txt', 'EMPTY'],
      ['slides.pdf', 'UNSUPPORTED_TYPE'],
    ];
    for (const [name, reason] of expected) {
      const result = await readDocument(path.join(FIXTURES, 'bad', name), { baseDir: FIXTURES });
      assert.equal(result.ok, false, name);
      if (result.ok) continue;
      assert.equal(result.reason, reason, name);
      assert.equal(result.sourceUri, `bad/${name}`);
      assert.ok(result.message.startsWith(`bad/${name}: `), result.message);
    }
  });

  it('rejects a file over the default limit from its size alone, without reading it', async () => {
    // Sparse: takes no disk. Reading 5 GiB into memory would throw (buffers stop at 4 GiB), so a
    // TOO_LARGE answer shows the size was checked first.
    const file = path.join(tmp, 'huge.txt');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, 5 * 1024 ** 3);
    const result = await readDocument(file, { baseDir: tmp });
    assert.equal(result.ok, false);
    assert.equal(result.ok ? '' : result.reason, 'TOO_LARGE');
    assert.match(result.ok ? '' : result.message, /huge\.txt: is 5\.0 GiB, over the 2\.0 MiB limit/);
    assert.equal(DEFAULT_MAX_DOCUMENT_BYTES, 2 * 1024 * 1024);
  });

  it('accepts a file of exactly maxBytes and rejects one byte more', async () => {
    const exact = await readDocument(write('exact.txt', 'a'.repeat(64)), { maxBytes: 64 });
    assert.equal(exact.ok, true);
    const over = await readDocument(write('over.txt', 'a'.repeat(65)), { maxBytes: 64 });
    assert.equal(over.ok ? '' : over.reason, 'TOO_LARGE');
  });

  it('decides the kind by extension, case-insensitively; no extension is not a document', async () => {
    const cases: Array<[string, string]> = [
      ['LICENSE', 'UNSUPPORTED_TYPE'],
      ['.env', 'UNSUPPORTED_TYPE'],
      ['notes.TEXT', 'text'],
      ['Guide.MD', 'markdown'],
      ['page.htm', 'html'],
      ['intro.markdown', 'markdown'],
    ];
    for (const [name, kind] of cases) {
      const result = await readDocument(write(name, 'Some words.'));
      assert.equal(result.ok ? result.doc.kind : result.reason, kind, name);
    }
    const docx = await readDocument(write('report.docx', 'Some words.'));
    assert.equal(docx.ok ? docx.doc.kind : docx.reason, 'UNSUPPORTED_TYPE');
    assert.match(docx.ok ? '' : docx.message, /'\.docx'.*\.html, \.htm, \.md/);
    const license = await readDocument(path.join(tmp, 'LICENSE'));
    assert.match(license.ok ? '' : license.message, /has no extension.*rename it \(e\.g\. README → README\.md\)/);
  });

  it('drops a UTF-8 byte order mark from the text but hashes the raw bytes', async () => {
    const raw = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Grüße, 世界')]);
    const result = await readDocument(write('bom.txt', raw));
    assert.ok(result.ok);
    assert.equal(result.doc.text, 'Grüße, 世界');
    assert.equal(result.doc.contentHash, sha256(raw));
  });

  it('rejects missing files and directories as UNREADABLE', async () => {
    const missing = await readDocument(path.join(tmp, 'nope.md'));
    assert.equal(missing.ok ? '' : missing.reason, 'UNREADABLE');
    assert.match(missing.ok ? '' : missing.message, /ENOENT/);
    fs.mkdirSync(path.join(tmp, 'folder.txt'));
    const folder = await readDocument(path.join(tmp, 'folder.txt'));
    assert.equal(folder.ok ? '' : folder.reason, 'UNREADABLE');
  });

  it(
    'rejects a named pipe without opening it (which would block)',
    { skip: process.platform === 'win32' },
    async () => {
      const fifo = path.join(tmp, 'pipe.txt');
      execFileSync('mkfifo', [fifo]);
      const result = await readDocument(fifo);
      assert.equal(result.ok ? '' : result.reason, 'UNREADABLE');
    },
  );

  it('makes sourceUri relative to baseDir with / separators, absolute outside it', async () => {
    fs.mkdirSync(path.join(tmp, 'docs', 'deep'), { recursive: true });
    const file = write('docs/deep/page.md', '# Page\n\nText.');
    const inside = await readDocument(file, { baseDir: path.join(tmp, 'docs') });
    assert.equal(inside.ok ? inside.doc.sourceUri : '', 'deep/page.md');
    const outside = await readDocument(file, { baseDir: path.join(tmp, 'elsewhere') });
    assert.equal(outside.ok ? outside.doc.sourceUri : '', path.resolve(file).split(path.sep).join('/'));
  });

  it('refuses a maxBytes that is not a positive integer', async () => {
    await assert.rejects(readDocument(write('x.txt', 'x'), { maxBytes: 0 }), (err) =>
      isMemflowError(err, 'INVALID_INPUT'),
    );
  });
});

describe('checkDocumentContent', () => {
  it("checks content by the source URI's kind, as readDocument checks a file", async () => {
    const raw = fs.readFileSync(path.join(FIXTURES, 'corpus', 'aurora-kettle-warranty.md'));
    const checked = checkDocumentContent('corpus/aurora-kettle-warranty.md', raw);
    const read = await readDocument(path.join(FIXTURES, 'corpus', 'aurora-kettle-warranty.md'), { baseDir: FIXTURES });
    assert.deepEqual(checked, read);
    assert.equal(checkDocumentContent('notes', raw).ok ? '' : 'refused', 'refused');
    const tooLarge = checkDocumentContent('a.md', Buffer.from('x'.repeat(65)), 64);
    assert.equal(tooLarge.ok ? '' : tooLarge.reason, 'TOO_LARGE');
    for (const [name, reason] of [
      ['binary.txt', 'BINARY'],
      ['invalid-utf8.txt', 'INVALID_UTF8'],
      ['empty.md', 'EMPTY'],
    ]) {
      const result = checkDocumentContent(name!, fs.readFileSync(path.join(FIXTURES, 'bad', name!)));
      assert.equal(result.ok ? '' : result.reason, reason, name);
    }
  });
});

describe('looksBinary', () => {
  it('accepts text with tabs, CRLF and multi-byte UTF-8; flags NUL and dense control bytes', () => {
    assert.equal(looksBinary(Buffer.from('col1\tcol2\r\nnaïve café ☕ 東京\f\n'.repeat(50))), false);
    assert.equal(looksBinary(Buffer.from('plain text\0more')), true);
    assert.equal(looksBinary(Buffer.from('ab\x01\x02cdefghij', 'latin1')), true);
    // One stray escape byte in a long text (a colored log line) is not binary.
    assert.equal(looksBinary(Buffer.from(`${'x'.repeat(100)}\x1b[0m`, 'latin1')), false);
    assert.equal(looksBinary(new Uint8Array()), false);
  });
});
