/** A run of text under one heading path; the unit chunks never cross. */
export interface Section {
  /** Headings from the outermost to the innermost, e.g. `['Chapter 24. …', '24.1. Routine Vacuuming']`. */
  headingPath: string[];
  /** Paragraphs separated by a blank line; preformatted blocks keep their line breaks. */
  text: string;
}

/** What every parser (HTML, Markdown, text) returns. */
export interface ParsedDocument {
  title: string;
  sections: Section[];
}
