/** Runs of whitespace (including no-break spaces and line breaks) become one space; ends trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** CRLF and lone CR become LF. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * Code and other preformatted text: line breaks and indentation kept, trailing spaces and blank
 * lines at either end dropped, no-break spaces made plain.
 */
export function tidyPreformatted(text: string): string {
  const lines = normalizeNewlines(text)
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => line.trimEnd());
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines.join('\n');
}

/**
 * Prose whose explicit line breaks (`<br>`, Markdown hard breaks) matter but whose other
 * whitespace does not: each line collapsed, at most one blank line in a row.
 */
export function tidyLines(text: string): string {
  return normalizeNewlines(text)
    .split('\n')
    .map((line) => collapseWhitespace(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** At most `maxChars` characters, cut at a word boundary when there is one, with an ellipsis. */
export function truncateAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  // Never keep half of a surrogate pair (emoji, rare CJK).
  const cut = text.slice(0, maxChars - 1).replace(/[\uD800-\uDBFF]$/, '');
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > maxChars / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
