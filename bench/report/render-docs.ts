/**
 * Puts the rendered sections into the documents: between each pair of markers the section's
 * markdown, formatted by prettier as `npm run format:check` expects; nothing outside the markers
 * changes. A document must hold every section registered for it, once.
 */
import * as prettier from 'prettier';
import type { ResultsIndex } from './results-lines';
import type { DocumentPath, Section } from './sections';

const MARKER = /<!-- (\/?)bench-report:([a-z0-9-]+) -->/g;

export const startMarker = (name: string) => `<!-- bench-report:${name} -->`;
export const endMarker = (name: string) => `<!-- /bench-report:${name} -->`;

interface Span {
  name: string;
  /** Offsets of the text between the two markers. */
  from: number;
  to: number;
}

/** The generated sections of a document, checked: paired, unique, not nested. */
export function sectionSpans(text: string, file: string): Span[] {
  const spans: Span[] = [];
  let open: { name: string; from: number } | undefined;
  for (const m of text.matchAll(MARKER)) {
    const [whole, slash, name] = m as unknown as [string, string, string];
    if (slash === '') {
      if (open) throw new Error(`${file}: ${startMarker(name)} inside the section ${open.name}.`);
      open = { name, from: m.index! + whole.length };
    } else {
      if (open?.name !== name) throw new Error(`${file}: ${endMarker(name)} without its ${startMarker(name)}.`);
      spans.push({ name, from: open.from, to: m.index! });
      open = undefined;
    }
  }
  if (open) throw new Error(`${file}: ${startMarker(open.name)} is never closed.`);
  return spans;
}

async function formatted(markdown: string, file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(markdown, { ...options, parser: 'markdown' });
}

/** `text` (the document at `file`, an absolute path for prettier's configuration) with its sections rendered. */
export async function renderDocument(
  text: string,
  file: string,
  document: DocumentPath,
  sections: readonly Section[],
  index: ResultsIndex,
): Promise<string> {
  const mine = sections.filter((s) => s.file === document);
  const spans = sectionSpans(text, document);
  for (const span of spans) {
    if (!mine.some((s) => s.name === span.name))
      throw new Error(`${document}: no section named ${span.name} is registered for it (bench/report/sections.ts).`);
  }
  for (const section of mine) {
    const found = spans.filter((s) => s.name === section.name).length;
    if (found !== 1)
      throw new Error(
        `${document} must hold ${startMarker(section.name)} … ${endMarker(section.name)} once; it holds it ${found} times.`,
      );
  }
  let out = '';
  let at = 0;
  for (const span of spans) {
    const section = mine.find((s) => s.name === span.name)!;
    out += `${text.slice(at, span.from)}\n\n${await formatted(section.render(index), file)}\n`;
    at = span.to;
  }
  return out + text.slice(at);
}

/** Where `actual` and `expected` first differ, section by section: the `--check` report. */
export function describeDrift(actual: string, expected: string, document: string): string[] {
  if (actual === expected) return [];
  const sectionText = (text: string) => {
    const map = new Map<string, string>();
    try {
      for (const s of sectionSpans(text, document)) map.set(s.name, text.slice(s.from, s.to));
    } catch {
      // The committed document's markers are broken: reported as a whole below.
    }
    return map;
  };
  const have = sectionText(actual);
  const want = sectionText(expected);
  const drift: string[] = [];
  for (const [name, rendered] of want) {
    const committed = have.get(name);
    if (committed === undefined) {
      drift.push(`${document}: section ${name} is missing or its markers are broken`);
      continue;
    }
    if (committed === rendered) continue;
    const a = committed.split('\n');
    const b = rendered.split('\n');
    const i = b.findIndex((lineText, n) => a[n] !== lineText);
    const n = i === -1 ? b.length : i;
    drift.push(
      `${document}: section ${name} differs from the render at its line ${n + 1}:\n` +
        `  committed: ${a[n] ?? '(end)'}\n  rendered:  ${b[n] ?? '(end)'}`,
    );
  }
  if (drift.length === 0) drift.push(`${document}: differs from the render outside the sections`);
  return drift;
}
