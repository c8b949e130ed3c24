import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseMarkdown } from '../../adapters/documents';

const corpus = (name: string) => fs.readFileSync(path.resolve(__dirname, '../fixtures/corpus', name), 'utf8');

describe('parseMarkdown', () => {
  it('splits the warranty page at headings under its H1 title', () => {
    const parsed = parseMarkdown(corpus('aurora-kettle-warranty.md'), 'aurora-kettle-warranty.md');
    assert.equal(parsed.title, 'Aurora Kettle Warranty');
    assert.deepEqual(
      parsed.sections.map((s) => s.headingPath),
      [
        ['Aurora Kettle Warranty'],
        ['Aurora Kettle Warranty', 'What is covered'],
        ['Aurora Kettle Warranty', 'What is not covered'],
        ['Aurora Kettle Warranty', 'How to make a claim'],
      ],
    );
  });

  it('reduces inline markup to text, keeps lists and tables one item per line', () => {
    const [intro, covered, notCovered, claim] = parseMarkdown(corpus('aurora-kettle-warranty.md')).sections;
    // Soft line breaks become spaces; **bold** and &nbsp; are resolved.
    assert.ok(
      intro?.text.startsWith('This page explains the warranty for the Aurora Kettle AK-17, the 1.7 litre cordless'),
    );
    assert.ok(
      covered?.text.endsWith(
        'It covers:\n\n- the heating element and the thermostat;\n- the base station and its power cord;\n- the lid hinge, if it fails in normal use.',
      ),
    );
    assert.ok(
      notCovered?.text.endsWith(
        'Part | Covered for\nHeating element | 27 months\nGlass jug | 12 months\nLimescale filter | Not covered',
      ),
    );
    // Link text stays, the target goes; code spans keep their text.
    assert.ok(
      claim?.text.includes(
        'it starts with AKS- followed by eight digits. Then send an e-mail like this one to claims@aurora-home.example:',
      ),
    );
    assert.ok(!claim?.text.includes('mailto:'));
  });

  it('keeps fenced code as text with its line breaks, without the fences', () => {
    const claim = parseMarkdown(corpus('aurora-kettle-warranty.md')).sections[3]?.text ?? '';
    assert.ok(
      claim.includes(
        '\n\nSubject: Warranty claim AKS-00417731\n\nPurchase date: 2024-03-02\nFault: the kettle switches off before the water boils.\n\n',
      ),
    );
    assert.ok(!claim.includes('```'));
  });

  it('takes the title from front matter and leaves the front matter out of the text', () => {
    const parsed = parseMarkdown(corpus('basalt-cli-configuration.md'), 'basalt-cli-configuration.md');
    assert.equal(parsed.title, 'Configuring the basalt CLI');
    assert.deepEqual(parsed.sections[0]?.headingPath, []);
    assert.ok(parsed.sections[0]?.text.startsWith('The basalt command builds container images'));
    assert.ok(!parsed.sections.some((s) => s.text.includes('owner: build-tools')));
    const file = parsed.sections.find((s) => s.headingPath[0] === 'The configuration file')?.text ?? '';
    assert.ok(file.includes('[build]\ncache_dir = ".basalt/cache"\nmax_parallel_jobs = 6\n\n[registry]'));
  });

  it('falls back to the file name without an H1, and nests setext and ATX headings by level', () => {
    const md =
      'Intro line.\n\nPart one\n--------\n\nText one.\n\n#### Deep\n\nDeep text.\n\n## Part two\n\nText two.\n';
    const parsed = parseMarkdown(md, 'notes.md');
    assert.equal(parsed.title, 'notes.md');
    assert.deepEqual(parsed.sections, [
      { headingPath: [], text: 'Intro line.' },
      { headingPath: ['Part one'], text: 'Text one.' },
      { headingPath: ['Part one', 'Deep'], text: 'Deep text.' },
      { headingPath: ['Part two'], text: 'Text two.' },
    ]);
  });

  it('reads raw HTML blocks as HTML: text kept, scripts and comments dropped', () => {
    const md =
      '# T\n\n<div class="note">Keep <kbd>Ctrl</kbd> pressed.</div>\n\n<script>track()</script>\n\n<!-- draft -->\n\nEnd.\n';
    assert.equal(parseMarkdown(md).sections[0]?.text, 'Keep Ctrl pressed.\n\nEnd.');
  });

  it('decodes entities in prose but not in code spans; keeps hard breaks and task boxes', () => {
    const md = 'Fish &amp; chips, `&amp;` literally,  \nnext line.\n\n- [x] done\n- [ ] todo\n  - nested\n';
    assert.equal(
      parseMarkdown(md).sections[0]?.text,
      'Fish & chips, &amp; literally,\nnext line.\n\n- [x] done\n- [ ] todo\n  - nested',
    );
  });
});
