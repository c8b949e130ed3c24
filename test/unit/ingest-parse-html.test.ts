import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseHtml } from '../../adapters/documents';

const corpus = (name: string) => fs.readFileSync(path.resolve(__dirname, '../fixtures/corpus', name), 'utf8');
const allText = (sections: { text: string }[]) => sections.map((s) => s.text).join('\n\n');

describe('parseHtml on a PostgreSQL-manual (DocBook) page', () => {
  const parsed = parseHtml(corpus('postgres-routine-vacuuming.html'), 'fallback');
  const text = allText(parsed.sections);
  const chapter = 'Chapter 24. Routine Database Maintenance Tasks';
  const sect1 = '24.1. Routine Vacuuming';

  it('takes the title from <title> and nests sections under the chapter named by the Up link', () => {
    assert.equal(parsed.title, sect1);
    assert.deepEqual(
      parsed.sections.map((s) => s.headingPath),
      [
        [chapter, sect1],
        [chapter, sect1, '24.1.1. Vacuuming Basics'],
        [chapter, sect1, '24.1.2. Recovering Disk Space'],
        [chapter, sect1, '24.1.3. Preventing Transaction ID Wraparound Failures'],
      ],
    );
  });

  it('drops navigation bars, the table of contents, scripts and styles', () => {
    for (const chrome of [
      'Prev',
      'Next',
      'Home',
      'Up',
      '24.2. Routine Reindexing',
      'docsNavigationTracker',
      'color: grey',
    ]) {
      assert.ok(!text.includes(chrome), `"${chrome}" should be gone`);
    }
    // The TOC repeated the sub-section titles; now they only appear as headings.
    assert.ok(!text.includes('Vacuuming Basics'));
    assert.ok(text.startsWith('Every PostgreSQL database needs regular vacuuming.'));
  });

  it('collapses whitespace in prose, decodes entities and keeps the line breaks of <pre>', () => {
    const basics = parsed.sections[1]?.text ?? '';
    assert.match(
      basics,
      /^An UPDATE or DELETE does not remove the old version of a row at once: the old version stays in the table/,
    );
    assert.ok(basics.includes('ordinary reads and writes — plain VACUUM takes only a SHARE UPDATE EXCLUSIVE lock.'));
    assert.ok(
      basics.endsWith(
        'SELECT relname, n_dead_tup, last_autovacuum\n  FROM pg_stat_user_tables\n WHERE n_dead_tup > 1000\n ORDER BY n_dead_tup DESC;',
      ),
    );
    assert.ok(text.includes('long-running transactions <idle in transaction> first'));
  });

  it('keeps an admonition title ("Tip") as text inside its section, not as a heading', () => {
    const space = parsed.sections[2]?.text ?? '';
    assert.match(space, /second copy\.\n\nTip\n\nIf a table keeps growing/);
  });
});

describe('parseHtml on an HTML5 page', () => {
  const parsed = parseHtml(corpus('lindqvist-ferry-winter-timetable.html'));
  const text = allText(parsed.sections);

  it('drops the site header, nav and footer but keeps the article header and footer', () => {
    assert.equal(parsed.title, 'Winter timetable – Lindqvist Sound Ferries');
    for (const chrome of ['Contact us', 'Timetables', 'Cookie settings', '©', 'analyticsQueue']) {
      assert.ok(!text.includes(chrome), `"${chrome}" should be gone`);
    }
    const article = 'Winter timetable: Marrow Quay ↔ Skerry Point';
    assert.deepEqual(parsed.sections[0], { headingPath: [article], text: 'Valid from 1 November to 31 March.' });
    assert.deepEqual(
      parsed.sections.map((s) => s.headingPath.at(-1)),
      [article, 'Departures', 'Ice closures', 'Fares'],
    );
    assert.ok(parsed.sections[3]?.text.endsWith('Timetable last revised on 3 October.'));
  });

  it('writes each table row on one line with cells joined by " | "', () => {
    assert.ok(
      parsed.sections[1]?.text.endsWith(
        'From | First | Last\nMarrow Quay | 06:40 | 21:15\nSkerry Point | 07:25 | 22:00',
      ),
    );
  });
});

describe('parseHtml details', () => {
  it('falls back to the first h1, then to the given title', () => {
    assert.equal(parseHtml('<h1>Only <b>heading</b></h1><p>x</p>').title, 'Only heading');
    assert.equal(parseHtml('<p>No headings at all.</p>', 'notes.html').title, 'notes.html');
  });

  it('reads a fragment without <body>, keeping <head> content out of the text', () => {
    const parsed = parseHtml('<title>Fragment</title><style>p{}</style><p>Body text.</p>');
    assert.deepEqual(parsed, { title: 'Fragment', sections: [{ headingPath: [], text: 'Body text.' }] });
  });

  it('nests by heading level, closing deeper levels at a shallower heading', () => {
    const html = `<p>Intro.</p><h1>A</h1><p>a</p><h3>A.x</h3><p>ax</p><h2>B</h2><p>b</p><h1>C</h1><h2></h2><p>c</p>`;
    assert.deepEqual(parseHtml(html).sections, [
      { headingPath: [], text: 'Intro.' },
      { headingPath: ['A'], text: 'a' },
      { headingPath: ['A', 'A.x'], text: 'ax' },
      { headingPath: ['A', 'B'], text: 'b' },
      { headingPath: ['C'], text: 'c' },
    ]);
  });

  it('keeps <br> as a line break and separates block elements into paragraphs', () => {
    const html =
      '<div>Line one<br>line   two<p>Para <em>with</em>\n   emphasis.</p><ul><li>first</li><li>second</li></ul></div>';
    assert.equal(parseHtml(html).sections[0]?.text, 'Line one\nline two\n\nPara with emphasis.\n\nfirst\n\nsecond');
  });

  it('removes permalink anchors from headings (PostgreSQL "#", Sphinx "¶")', () => {
    const html = '<h2>Setup <a class="headerlink" href="#setup">¶</a></h2><p>Do it.</p>';
    assert.deepEqual(parseHtml(html).sections[0]?.headingPath, ['Setup']);
  });
});
