import type { LiveIndexDeps } from './live-index';

/** What the ingest activities need: the live-index clients and the corpus roots this worker may read. */
export interface IngestDeps extends LiveIndexDeps {
  /** Corpus name → absolute root folder (config `corpusRoots`); the only files ingestion reads itself. */
  corpusRoots: Readonly<Record<string, string>>;
}
