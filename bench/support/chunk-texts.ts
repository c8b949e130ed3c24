/**
 * The texts ingestion embeds for a set of files: each file prepared as the direct script and the
 * workflow prepare it (chunked with the embedder's token counter), each chunk as `embeddingText`
 * makes it, with the title cut to 300 characters as the workflow passes it. What the ONNX Runtime
 * reference embeds, so it works on exactly memflow's chunks.
 */
import { prepareDocument } from '../../adapters/documents';
import { embeddingText } from '../../adapters/embed/embedding-text';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../contracts/ingest';

export async function chunkTexts(
  files: readonly string[],
  baseDir: string,
  countTokens: (text: string) => number,
): Promise<string[]> {
  const texts: string[] = [];
  for (const file of files) {
    const prepared = await prepareDocument(file, {
      maxBytes: DEFAULT_MAX_DOCUMENT_BYTES,
      baseDir,
      chunking: { countTokens },
    });
    if (!prepared.ok) continue;
    const title = prepared.doc.title.slice(0, 300);
    for (const c of prepared.chunks) {
      texts.push(embeddingText({ title, headingPath: c.headingPath.join(' > '), text: c.text }));
    }
  }
  return texts;
}
