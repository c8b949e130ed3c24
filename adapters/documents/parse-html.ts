import { HTMLElement, parse, TextNode, type Node } from 'node-html-parser';
import type { ParsedDocument } from './parsed-document';
import { SectionBuilder } from './section-builder';
import { collapseWhitespace, tidyLines, tidyPreformatted } from './text-normalize';

/** Elements whose content is never document text. */
const SKIPPED_TAGS = new Set([
  'head',
  'title',
  'script',
  'style',
  'noscript',
  'template',
  'nav',
  'svg',
  'iframe',
  'button',
]);

/**
 * Navigation chrome by class: DocBook's Prev/Up/Next bars (`div.navheader`, `div.navfooter`, as in
 * the PostgreSQL manual) and its tables of contents, which only repeat other pages' headings.
 */
const CHROME_CLASSES = ['navheader', 'navfooter', 'toc'];

/** A `header`/`footer` inside these belongs to that content; elsewhere it is the site's banner. */
const SECTIONING_TAGS = new Set(['article', 'aside', 'main', 'section']);

/** DocBook admonitions title themselves with an `h3` ("Tip", "Note") that is no section heading. */
const ADMONITION_CLASSES = ['note', 'tip', 'warning', 'caution', 'important'];

// prettier-ignore
const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'dd', 'details', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hr', 'li', 'main', 'ol', 'p',
  'section', 'summary', 'table', 'ul',
]);

const HEADING_LEVEL: Readonly<Record<string, number>> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };

/** Text of the "permalink" anchors generators put in headings (PostgreSQL `#`, Sphinx `¶`). */
const PERMALINK_TEXT = new Set(['#', '¶', '§', '🔗']);

/**
 * Parses an HTML page into its title and sections split at `h1`–`h6`. Scripts, styles, `nav`,
 * page-level `header`/`footer` and DocBook navigation bars are dropped; entities are decoded;
 * whitespace is collapsed except inside `pre`, whose line breaks are kept.
 *
 * Title: `<title>`, else the first `h1`, else `fallbackTitle` (usually the file name). On DocBook
 * pages the parent named by the navigation bar's "Up" link starts every heading path, so a
 * section page's chunks still say which chapter they belong to.
 */
export function parseHtml(html: string, fallbackTitle = ''): ParsedDocument {
  const root = parse(html, { comment: false, blockTextElements: { script: true, style: true, noscript: true } });
  const title =
    collapseWhitespace(root.querySelector('title')?.text ?? '') ||
    headingText(root.querySelector('h1')) ||
    fallbackTitle;

  const upTitle = collapseWhitespace(root.querySelector('.navheader a[accesskey="u"]')?.getAttribute('title') ?? '');
  const builder = new SectionBuilder(upTitle === '' ? [] : [upTitle]);
  const collector = new InlineCollector(builder);
  walk(root.querySelector('body') ?? root, collector, { inSectioning: false, inAdmonition: false });
  collector.endBlock();
  return { title, sections: builder.finish() };
}

/** Accumulates inline text until a block boundary turns it into a paragraph. */
class InlineCollector {
  private inline = '';

  constructor(readonly builder: SectionBuilder) {}

  text(raw: string): void {
    this.inline += raw.replace(/\s+/g, ' ');
  }

  lineBreak(): void {
    this.inline += '\n';
  }

  /** Cells of a table row are joined with ` | `; each row is one line. */
  cellSeparator(): void {
    const row = this.inline.slice(this.inline.lastIndexOf('\n') + 1);
    if (row.trim() !== '') this.inline += ' | ';
  }

  endBlock(): void {
    this.builder.paragraph(tidyLines(this.inline));
    this.inline = '';
  }
}

interface WalkContext {
  inSectioning: boolean;
  inAdmonition: boolean;
}

function walk(node: Node, out: InlineCollector, context: WalkContext): void {
  if (node instanceof TextNode) {
    out.text(node.text);
    return;
  }
  if (!(node instanceof HTMLElement)) return;
  const tag = node.rawTagName?.toLowerCase() ?? '';
  if (isChrome(node, tag, context.inSectioning)) return;

  const level = HEADING_LEVEL[tag];
  if (level !== undefined) {
    out.endBlock();
    if (context.inAdmonition) out.builder.paragraph(headingText(node));
    else out.builder.heading(level, headingText(node));
    return;
  }
  if (tag === 'pre') {
    out.endBlock();
    out.builder.paragraph(tidyPreformatted(preformattedText(node)));
    return;
  }
  if (tag === 'br') {
    out.lineBreak();
    return;
  }
  if (tag === 'td' || tag === 'th') out.cellSeparator();

  const block = BLOCK_TAGS.has(tag);
  if (block) out.endBlock();
  const childContext = {
    inSectioning: context.inSectioning || SECTIONING_TAGS.has(tag),
    inAdmonition: context.inAdmonition || ADMONITION_CLASSES.some((c) => node.classList.contains(c)),
  };
  for (const child of node.childNodes) walk(child, out, childContext);
  if (tag === 'tr') out.lineBreak();
  if (block) out.endBlock();
}

function isChrome(element: HTMLElement, tag: string, inSectioning: boolean): boolean {
  if (SKIPPED_TAGS.has(tag)) return true;
  if ((tag === 'header' || tag === 'footer') && !inSectioning) return true;
  if (tag === 'a' && PERMALINK_TEXT.has(element.text.trim())) return true;
  return CHROME_CLASSES.some((c) => element.classList.contains(c));
}

/** A heading's text without its permalink anchor. */
function headingText(heading: HTMLElement | null): string {
  if (heading === null) return '';
  const parts: string[] = [];
  const visit = (node: Node): void => {
    if (node instanceof TextNode) parts.push(node.text);
    else if (node instanceof HTMLElement && !isChrome(node, node.rawTagName?.toLowerCase() ?? '', true)) {
      node.childNodes.forEach(visit);
    }
  };
  visit(heading);
  return collapseWhitespace(parts.join(''));
}

/** Text of a `pre` with its whitespace as written; `<br>` counts as a line break. */
function preformattedText(pre: HTMLElement): string {
  const parts: string[] = [];
  const visit = (node: Node): void => {
    if (node instanceof TextNode) parts.push(node.text);
    else if (node instanceof HTMLElement) {
      if (node.rawTagName?.toLowerCase() === 'br') parts.push('\n');
      else node.childNodes.forEach(visit);
    }
  };
  visit(pre);
  return parts.join('');
}
