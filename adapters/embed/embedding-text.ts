/**
 * The text a chunk is embedded as: its heading path (or the document title) above the chunk, so a
 * passage keeps the context its section gives it. Ingestion and re-embedding both use this, so
 * the same chunk always embeds the same way.
 */
export function embeddingText(chunk: { title: string; headingPath: string; text: string }): string {
  const context = chunk.headingPath || chunk.title;
  return context ? `${context}\n\n${chunk.text}` : chunk.text;
}
