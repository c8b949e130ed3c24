import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseText } from '../../adapters/documents';

describe('parseText', () => {
  it('makes one section without headings, titled by the first line, paragraphs kept', () => {
    const file = path.resolve(__dirname, '../fixtures/corpus/orchard-beekeeping-notes.txt');
    const parsed = parseText(fs.readFileSync(file, 'utf8'), 'orchard-beekeeping-notes.txt');
    assert.equal(parsed.title, 'Hollow Pine Orchard: beekeeping notes');
    assert.equal(parsed.sections.length, 1);
    assert.deepEqual(parsed.sections[0]?.headingPath, []);
    const paragraphs = parsed.sections[0]?.text.split('\n\n') ?? [];
    assert.equal(paragraphs.length, 5);
    assert.equal(
      paragraphs[1]?.split('\n')[0],
      'The orchard keeps 14 hives along the south hedge, between the plum rows and',
    );
  });

  it('normalizes CRLF, trailing spaces and runs of blank lines, keeping indentation', () => {
    const parsed = parseText('\r\n\r\n  Title line  \r\n\r\n\r\n\r\n    indented code   \r\n    more\r\n \t \r\nlast');
    assert.equal(parsed.title, 'Title line');
    assert.equal(parsed.sections[0]?.text, '  Title line\n\n    indented code\n    more\n\nlast');
  });

  it('cuts a long first line at a word for the title', () => {
    const line = 'word '.repeat(40).trim();
    const { title } = parseText(`${line}\nsecond line`);
    assert.ok(title.length <= 80, title);
    assert.match(title, /^(word )+word…$/);
  });

  it('has no sections and the fallback title when there is no text', () => {
    assert.deepEqual(parseText(' \n\t\n', 'blank.txt'), { title: 'blank.txt', sections: [] });
  });
});
