import { Lexer, type MarkedToken, type Token, type Tokens } from 'marked';
import { TextNode } from 'node-html-parser';
import { parseHtml } from './parse-html';
import type { ParsedDocument } from './parsed-document';
import { SectionBuilder } from './section-builder';
import { collapseWhitespace, normalizeNewlines, tidyLines, tidyPreformatted } from './text-normalize';

/** YAML front matter: `---` on the first line, up to the next `---` line. */
const FRONT_MATTER = /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/;

/**
 * Parses Markdown (CommonMark + GFM tables, via marked's lexer) into its title and sections split
 * at headings. Formatting marks, link targets and inline HTML tags are dropped; code blocks keep
 * their text and line breaks (without the fences); list items stay one per line.
 *
 * Title: `title:` in YAML front matter, else the first `# heading`, else `fallbackTitle`.
 */
export function parseMarkdown(markdown: string, fallbackTitle = ''): ParsedDocument {
  let body = normalizeNewlines(markdown);
  let frontMatterTitle = '';
  const frontMatter = FRONT_MATTER.exec(body);
  if (frontMatter !== null) {
    body = body.slice(frontMatter[0].length);
    frontMatterTitle = titleFromFrontMatter(frontMatter[1] ?? '');
  }

  const builder = new SectionBuilder();
  let firstH1 = '';
  for (const token of new Lexer().lex(body)) {
    const block = token as MarkedToken;
    if (block.type === 'heading') {
      const text = collapseWhitespace(inlineText(block.tokens));
      if (block.depth === 1 && firstH1 === '') firstH1 = text;
      builder.heading(block.depth, text);
    } else {
      builder.paragraph(blockText(block));
    }
  }
  return { title: frontMatterTitle || firstH1 || fallbackTitle, sections: builder.finish() };
}

function titleFromFrontMatter(yaml: string): string {
  const line = /^title:[ \t]*(.+)$/m.exec(yaml)?.[1] ?? '';
  return collapseWhitespace(line.replace(/^(['"])(.*)\1$/, '$2'));
}

function blockText(token: Token): string {
  const block = token as MarkedToken;
  switch (block.type) {
    case 'paragraph':
      return tidyLines(inlineText(block.tokens));
    case 'text':
      return tidyLines(block.tokens === undefined ? decodeEntities(block.text) : inlineText(block.tokens));
    case 'heading':
      // Headings inside lists or quotes are not section boundaries.
      return collapseWhitespace(inlineText(block.tokens));
    case 'code':
      return tidyPreformatted(block.text);
    case 'blockquote':
      return joinBlocks(block.tokens, '\n\n');
    case 'list':
      return block.items
        .map((item, i) => `${block.ordered ? `${Number(block.start || 1) + i}.` : '-'} ${listItemText(item)}`)
        .join('\n');
    case 'table':
      return [block.header, ...block.rows]
        .map((row) => row.map((cell) => collapseWhitespace(inlineText(cell.tokens))).join(' | '))
        .join('\n');
    case 'html':
      // Raw HTML blocks get the HTML parser's treatment: scripts and comments dropped.
      return parseHtml(block.text)
        .sections.map((section) => section.text)
        .join('\n\n');
    default:
      return '';
  }
}

function listItemText(item: Tokens.ListItem): string {
  const checkbox = item.task ? (item.checked ? '[x] ' : '[ ] ') : '';
  const parts = item.tokens.map((child) => {
    const text = blockText(child);
    // Nested lists are indented under their item.
    return child.type === 'list' ? text.replace(/^/gm, '  ') : text;
  });
  return checkbox + parts.filter((p) => p.trim() !== '').join('\n');
}

function joinBlocks(tokens: Token[], separator: string): string {
  return tokens
    .map(blockText)
    .filter((t) => t !== '')
    .join(separator);
}

/** Plain text of inline tokens: emphasis and links reduced to their text, images to their alt text. */
function inlineText(tokens: Token[]): string {
  return tokens.map(inlineTokenText).join('');
}

function inlineTokenText(token: Token): string {
  const inline = token as MarkedToken;
  switch (inline.type) {
    case 'text':
      // A line break inside a paragraph is a soft break (a space); hard breaks are `br` tokens.
      return inline.tokens === undefined ? decodeEntities(inline.text).replace(/\n/g, ' ') : inlineText(inline.tokens);
    case 'escape':
    case 'codespan':
      // Code spans and backslash escapes are literal: `&amp;` in code means those five characters.
      return inline.text;
    case 'strong':
    case 'em':
    case 'del':
    case 'link':
      return inlineText(inline.tokens);
    case 'image':
      return decodeEntities(inline.text);
    case 'br':
      return '\n';
    default:
      // Inline HTML tags (`<b>`) and anything unknown: the text between tags is its own token.
      return '';
  }
}

/** `&amp;` → `&`: Markdown may spell characters as HTML entities, and marked leaves them as written. */
function decodeEntities(text: string): string {
  return text.includes('&') ? new TextNode(text).text : text;
}
