import type { Section } from './parsed-document';

/**
 * Collects paragraphs under the current heading path and closes a section at each heading. A
 * heading at level n replaces every open heading at level ≥ n, so skipped levels (h1 → h3) nest.
 * Headings with no text below them produce no section.
 */
export class SectionBuilder {
  private readonly openHeadings: { level: number; text: string }[] = [];
  private paragraphs: string[] = [];
  private readonly sections: Section[] = [];

  /** `rootPath` prefixes every heading path, e.g. the parent chapter named by a DocBook "Up" link. */
  constructor(private readonly rootPath: readonly string[] = []) {}

  heading(level: number, text: string): void {
    if (text === '') return;
    this.closeSection();
    while ((this.openHeadings.at(-1)?.level ?? 0) >= level) this.openHeadings.pop();
    this.openHeadings.push({ level, text });
  }

  paragraph(text: string): void {
    if (text.trim() !== '') this.paragraphs.push(text);
  }

  finish(): Section[] {
    this.closeSection();
    return this.sections;
  }

  private closeSection(): void {
    if (this.paragraphs.length === 0) return;
    const headingPath = [...this.rootPath, ...this.openHeadings.map((h) => h.text)];
    this.sections.push({ headingPath, text: this.paragraphs.join('\n\n') });
    this.paragraphs = [];
  }
}
