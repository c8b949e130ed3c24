import type { DocumentRejection } from '../../adapters/documents';
import { readCorpusFile, rejectDocument } from '../../adapters/documents';
import { loadStagedDocument } from '../../adapters/postgres/staged-documents';
import { MemflowError } from '../../contracts/errors';
import type { IngestSource } from '../../contracts/ingest';
import type { IngestDeps } from './ingest-deps';

/** A document's content as the source holds it, under the source URI it is registered with. */
export type LoadedDocument = { ok: true; sourceUri: string; content: Uint8Array } | DocumentRejection;

/**
 * Loads document `index` of a batch's source: a staged document by its id **and** the tenant (an
 * id of another tenant finds nothing: `NOT_STAGED`), or a file under a configured corpus root,
 * confined to it (`readCorpusFile`). Never a path the caller chose on this machine. A rejection
 * here means nothing was read, and nothing is recorded about it.
 */
export async function loadSourceDocument(
  deps: IngestDeps,
  tenant: string,
  source: IngestSource,
  index: number,
  maxBytes: number,
): Promise<LoadedDocument> {
  if ('staged' in source) {
    const ref = source.staged[index]!;
    const staged = await loadStagedDocument(deps.db, tenant, ref.stagedId);
    if (!staged) return rejectDocument(ref.sourceUri, { reason: 'NOT_STAGED', stagedId: ref.stagedId });
    return { ok: true, sourceUri: staged.sourceUri, content: staged.content };
  }
  const dir = Object.hasOwn(deps.corpusRoots, source.corpus) ? deps.corpusRoots[source.corpus] : undefined;
  if (dir === undefined) {
    throw new MemflowError(
      'INVALID_INPUT',
      `No corpus named "${source.corpus}" is configured on this worker. Add it to MEMFLOW_CORPUS_ROOTS (name=/absolute/path), or stage the files with \`memflow ingest <paths>\`.`,
    );
  }
  const read = await readCorpusFile({ name: source.corpus, dir }, source.paths[index]!, maxBytes);
  return read.ok ? { ok: true, sourceUri: read.sourceUri, content: read.bytes } : read;
}
