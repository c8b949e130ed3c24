/**
 * A closed-loop search load doing what a chat turn's retrieval does (activities/chat): `retrieveChunks`
 * — pin the live alias to its concrete collection, embed the question with the pinned collection's model, search it (dense + BM25, RRF) with the tenant filter, keep live
 * versions, recall memories. Each client sends its next search as soon as the previous one returns;
 * every search is recorded with its latency, the collection that served it and its error, if any.
 */
import { performance } from 'node:perf_hooks';
import type { ChatDeps } from '../../activities/chat/chat-deps';
import { retrieveChunks } from '../../activities/chat/retrieve-chunks';
import { errorMessage } from '../../contracts/errors';

/** Questions a user of the first pages (alphabetically) of the PostgreSQL manual might ask. */
export const POSTGRES_QUESTIONS = [
  'How do I create a new database from the command line?',
  'How do I restore a custom-format dump with pg_restore into another database?',
  'Which pg_dump option dumps only the schema without data?',
  'How does pg_basebackup stream the WAL while it takes a backup?',
  'How can I check a B-tree index for corruption with amcheck?',
  'How do I declare a column as an array of integers and update one element?',
  'How does certificate authentication map the client certificate to a database user?',
  'What does pg_rewind need to resynchronize a former primary with the new one?',
  'How do I vacuum and analyze every database of a cluster at once?',
  'How do I pick the locale and encoding when initializing a cluster with initdb?',
  'How do I set a variable in psql and use it inside a query?',
  'What exit status does pg_isready return when the server rejects connections?',
  'How do I rebuild all indexes of a database with reindexdb?',
  'How do I enable data checksums on an existing cluster?',
  'How do I configure LDAP authentication in pg_hba.conf?',
  'What does an archive module have to implement to archive WAL files?',
];

/** Questions about test/fixtures/corpus, used when the PostgreSQL manual is not there. */
export const FIXTURE_QUESTIONS = [
  'How long is the Aurora Kettle warranty?',
  'Where does the Basalt CLI read its configuration file from?',
  'When does the first winter ferry leave Lindqvist?',
  'How does memflow keep one tenant from reading another tenant’s documents?',
  'When should the beehives be checked for the queen in spring?',
  'Why does PostgreSQL need routine vacuuming?',
];

export interface SearchSample {
  client: number;
  tenant: string;
  /** When the search began (its pin), in epoch milliseconds with sub-millisecond precision. */
  startedAt: number;
  /** One `retrieveChunks` run, pin included, as a turn runs it. */
  ms: number;
  /** The concrete collection the search was pinned to (absent when the search failed). */
  collection?: string;
  passages: number;
  error?: string;
}

export interface SearchLoad {
  readonly samples: readonly SearchSample[];
  /** Lets every client finish its search in flight, then resolves. */
  stop(): Promise<void>;
}

export interface SearchLoadOptions {
  tenants: string[];
  questions: string[];
  concurrency: number;
}

/** The wall clock in milliseconds, monotonic within the process: comparable with Temporal's event times. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Starts `concurrency` clients. Client c asks question (c + i) of the list for tenant (c + i) of the
 * tenants on its i-th search, so the mix is the same from run to run.
 */
export function startSearchLoad(deps: ChatDeps, options: SearchLoadOptions): SearchLoad {
  const samples: SearchSample[] = [];
  let stopping = false;
  const client = async (c: number) => {
    for (let i = 0; !stopping; i++) {
      const tenant = options.tenants[(c + i) % options.tenants.length]!;
      const question = options.questions[(c * 7 + i) % options.questions.length]!;
      const startedAt = nowMs();
      const sample: SearchSample = { client: c, tenant, startedAt, ms: 0, passages: 0 };
      try {
        const result = await retrieveChunks(deps, { tenant, queries: [question] });
        sample.collection = result.index.collection;
        sample.passages = result.passages.length;
      } catch (err) {
        sample.error = errorMessage(err);
      }
      sample.ms = nowMs() - startedAt;
      samples.push(sample);
    }
  };
  const running = Promise.all(Array.from({ length: options.concurrency }, (_, c) => client(c)));
  return {
    samples,
    async stop() {
      stopping = true;
      await running;
    },
  };
}

export interface LatencySummary {
  searches: number;
  errors: number;
  /** Searches that returned no passage (no exception): worth a look, a tenant always has chunks. */
  empty: number;
  searchesPerSecond: number;
  /** Over successful searches, in milliseconds; nearest-rank percentiles. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Searches per collection that served them. */
  collections: Record<string, number>;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The searches that began in [fromMs, toMs); `searchesPerSecond` is over that window. */
export function summarize(samples: readonly SearchSample[], fromMs: number, toMs: number): LatencySummary {
  const window = samples.filter((s) => s.startedAt >= fromMs && s.startedAt < toMs);
  const ok = window
    .filter((s) => s.error === undefined)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const collections: Record<string, number> = {};
  for (const s of window) collections[s.collection ?? '(none)'] = (collections[s.collection ?? '(none)'] ?? 0) + 1;
  return {
    searches: window.length,
    errors: window.length - ok.length,
    empty: window.filter((s) => s.error === undefined && s.passages === 0).length,
    searchesPerSecond: round1(window.length / Math.max(0.001, (toMs - fromMs) / 1000)),
    p50: round1(percentile(ok, 50)),
    p95: round1(percentile(ok, 95)),
    p99: round1(percentile(ok, 99)),
    max: round1(ok[ok.length - 1] ?? Number.NaN),
    collections,
  };
}
