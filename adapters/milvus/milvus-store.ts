import type { ConsistencyLevelEnum } from '@zilliz/milvus2-sdk-node';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { Mutex } from 'async-mutex';
import { MemflowError } from '../../contracts/errors';
import { assertTenant } from '../../contracts/identifiers';
import { BM25_FLOOR, DENSE_FLOOR, aboveFloor, fuseLegs } from './fuse-legs';
import { buildFilter, literal } from './milvus-filter';
import {
  HYBRID_PROPERTY,
  IDENTITY_PROPERTY,
  MAX_TEXT_BYTES,
  META_FIELDS,
  SCHEMA_PROPERTY,
  SCHEMA_VERSION,
  assertCollectionName,
  assertIdentity,
  bm25Function,
  chunkFields,
  describeIdentity,
  fromEntity,
  indexParams,
  parseIdentity,
  sameIdentity,
  serverSupportsBm25,
  serverSupportsPartitionKey,
  toEntity,
} from './milvus-schema';
import { checkStatus, isNotLoaded, wrapTransport } from './milvus-status';
import type {
  ChunkFilter,
  ChunkMeta,
  ChunkRow,
  CollectionInfo,
  CountScope,
  SearchHit,
  SearchRequest,
  VectorStore,
} from './vector-store';
import type { EmbeddingIdentity } from '../../contracts/embedding';

export interface MilvusStoreOptions {
  address: string;
  token?: string;
  ssl?: boolean;
  /**
   * lite: serialize writes and flush after each batch (its WAL breaks under concurrent writes).
   * standalone: searches right after this store's own writes ask for Strong consistency, and dense
   * searches set HNSW's `ef` (see SEARCH_EF).
   */
  flavor: 'lite' | 'standalone';
  timeoutMs?: number;
}

/**
 * How long after a write a standalone server's default (Bounded) search may still miss it: Milvus'
 * `common.gracefulTime` (5 s) plus a margin. Strong costs up to one time tick (~200 ms) per search.
 */
const BOUNDED_STALENESS_MS = 6_000;

/**
 * HNSW candidate list size on standalone Milvus, whose AUTOINDEX is HNSW searched with ef = limit
 * unless told: too few candidates once a tenant filter drops most of them (bench/README.md, search).
 */
export const SEARCH_EF = 128;

/** What Milvus names a query's row count. */
const COUNT_FIELD = 'count(*)';

/** The concrete collection's identity never changes, so it is cached; aliases are always resolved. */
export class MilvusVectorStore implements VectorStore {
  private readonly client: MilvusClient;
  /** One writer at a time: milvus-lite's WAL has been corrupted by concurrent writes. */
  private readonly writes = new Mutex();
  private readonly known = new Map<string, CollectionInfo>();
  private version?: Promise<string>;
  /** When this store last wrote each concrete collection (standalone read-your-writes). */
  private readonly lastWrite = new Map<string, number>();

  constructor(private readonly options: MilvusStoreOptions) {
    this.client = new MilvusClient({
      address: options.address,
      token: options.token,
      ssl: options.ssl ?? false,
      timeout: options.timeoutMs ?? 30_000,
      channelOptions: { 'grpc.keepalive_time_ms': 300_000 },
    });
    // Surfaced by the first call instead of as an unhandled rejection.
    this.client.connectPromise.catch(() => undefined);
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    let reply: T;
    try {
      reply = await fn();
    } catch (err) {
      wrapTransport(err, operation);
    }
    checkStatus(reply, operation);
    return reply;
  }

  private write<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return this.writes.runExclusive(() => this.call(operation, fn));
  }

  private wrote(collection: string): void {
    this.lastWrite.set(collection, Date.now());
  }

  /**
   * Standalone Milvus searches at the collection's Bounded consistency (up to 5 s stale, no wait);
   * right after this store's own writes, Strong, so a write is visible to the next search here.
   * Queries and counts are Strong already (the SDK's default for them). milvus-lite ignores levels.
   */
  private searchConsistency(collection: string): { consistency_level?: ConsistencyLevelEnum } {
    if (this.options.flavor === 'lite') return {};
    const at = this.lastWrite.get(collection);
    // By name: the SDK reads `ConsistencyLevelEnum.Strong` (0) as unset and sends the collection's level.
    return at !== undefined && Date.now() - at < BOUNDED_STALENESS_MS
      ? { consistency_level: 'Strong' as unknown as ConsistencyLevelEnum }
      : {};
  }

  private async flush(collection: string): Promise<void> {
    // A flush is a write to milvus-lite's WAL too: under the same lock as the others.
    if (this.options.flavor === 'lite')
      await this.write('flush', () => this.client.flush({ collection_names: [collection] }));
  }

  async createCollection(name: string, identity: EmbeddingIdentity): Promise<CollectionInfo> {
    assertCollectionName(name);
    assertIdentity(identity);
    const existing = await this.describeCollection(name);
    if (existing) {
      if (existing.name !== name) {
        throw new MemflowError('COLLECTION_EXISTS', `${name} is an alias of ${existing.name}, not a collection.`);
      }
      if (!sameIdentity(existing.identity, identity)) {
        throw new MemflowError(
          'EMBEDDING_MISMATCH',
          `Collection ${name} already exists for ${describeIdentity(existing.identity)}, not ${describeIdentity(identity)}. ` +
            'Use a new versioned collection for a different embedding model.',
        );
      }
      await this.load(name);
      return existing;
    }
    let created: { hybrid: boolean; tenantPartitioned: boolean };
    try {
      created = await this.createWithFallback(name, identity);
    } catch (err) {
      // Another process created it between our describe and create: take theirs if it matches.
      const raced = await this.describeCollection(name);
      if (!raced) throw err;
      return this.createCollection(name, identity);
    }
    await this.load(name);
    const info: CollectionInfo = { name, identity, ...created, aliases: [] };
    this.known.set(name, info);
    return info;
  }

  /** Asks the server's version once: what its schemas may use (BM25, a partition key). */
  private serverVersion(): Promise<string> {
    this.version ??= this.call('getVersion', () => this.client.getVersion()).then(
      (reply) => reply.version,
      (err: unknown) => {
        this.version = undefined;
        throw err;
      },
    );
    return this.version;
  }

  /** Whether collections this store creates get `tenant` as their partition key (schema 2). */
  async partitionsByTenant(): Promise<boolean> {
    return serverSupportsPartitionKey(await this.serverVersion());
  }

  private async supportsBm25(): Promise<boolean> {
    return serverSupportsBm25(await this.serverVersion());
  }

  /** BM25 needs Milvus ≥ 2.5; older servers get a dense-only collection (recorded in its properties). */
  private async createWithFallback(
    name: string,
    identity: EmbeddingIdentity,
  ): Promise<{ hybrid: boolean; tenantPartitioned: boolean }> {
    const tenantPartitioned = serverSupportsPartitionKey(await this.serverVersion());
    for (const hybrid of (await this.supportsBm25()) ? [true, false] : [false]) {
      try {
        await this.write('createCollection', () =>
          this.client.createCollection({
            collection_name: name,
            fields: chunkFields(identity.dim, hybrid, tenantPartitioned),
            functions: hybrid ? [bm25Function()] : [],
            index_params: indexParams(identity.metric, hybrid),
            properties: {
              [IDENTITY_PROPERTY]: JSON.stringify(identity),
              [HYBRID_PROPERTY]: String(hybrid),
              [SCHEMA_PROPERTY]: tenantPartitioned ? SCHEMA_VERSION : '1',
            },
          }),
        );
        return { hybrid, tenantPartitioned };
      } catch (err) {
        if (!hybrid || !(err instanceof MemflowError) || !/bm25|function|analyzer|sparse/i.test(err.message)) throw err;
      }
    }
    return { hybrid: false, tenantPartitioned };
  }

  private async load(name: string): Promise<void> {
    await this.call('loadCollection', () => this.client.loadCollectionSync({ collection_name: name }));
  }

  /**
   * Runs a read, loading the collection first when the server answers that it is not loaded: after
   * a Milvus restart milvus-lite reports every collection `released`, and a worker must recover by
   * itself rather than fail every turn until someone restarts it.
   */
  private async loaded<T>(name: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (!isNotLoaded(err)) throw err;
      await this.load(name);
      return read();
    }
  }

  /** Whether the server has the collection loaded (what a search needs), by its own load state. */
  async isLoaded(name: string): Promise<boolean> {
    const info = await this.requireCollection(name);
    const reply = await this.call('getLoadState', () => this.client.getLoadState({ collection_name: info.name }));
    return String(reply.state) === 'LoadStateLoaded';
  }

  async describeCollection(name: string): Promise<CollectionInfo | undefined> {
    assertCollectionName(name);
    const cached = this.known.get(name);
    if (cached) return cached;
    let reply;
    try {
      reply = await this.call('describeCollection', () => this.client.describeCollection({ collection_name: name }));
    } catch (err) {
      if (err instanceof MemflowError && err.code === 'COLLECTION_NOT_FOUND') return undefined;
      throw err;
    }
    // Milvus 2.3 answers a describe by alias with the alias as the name: describe its target instead.
    if (reply.collection_name === name && reply.aliases?.includes(name)) {
      const target = await this.resolveAlias(name);
      if (target !== undefined && target !== name) return this.describeCollection(target);
    }
    const identity = parseIdentity(reply.properties);
    if (!identity) {
      throw new MemflowError(
        'EMBEDDING_MISMATCH',
        `Collection ${reply.collection_name} records no embedding identity (${IDENTITY_PROPERTY}); it was not created by memflow.`,
      );
    }
    const info: CollectionInfo = {
      name: reply.collection_name,
      identity,
      hybrid: reply.properties.some((p) => p.key === HYBRID_PROPERTY && p.value === 'true'),
      tenantPartitioned: reply.schema.fields.some((f) => f.name === 'tenant' && f.is_partition_key === true),
      aliases: reply.aliases ?? [],
    };
    // Only concrete names are cached: an alias may be re-pointed by another process at any time.
    if (info.name === name) this.known.set(name, info);
    return info;
  }

  private async requireCollection(name: string): Promise<CollectionInfo> {
    const info = await this.describeCollection(name);
    if (!info) throw new MemflowError('COLLECTION_NOT_FOUND', `Collection ${name} does not exist.`);
    return info;
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    this.known.delete(name);
    const exists = await this.call('hasCollection', () => this.client.hasCollection({ collection_name: name }));
    if (!exists.value) return false;
    await this.write('dropCollection', () => this.client.dropCollection({ collection_name: name }));
    return true;
  }

  async listCollections(prefix = ''): Promise<string[]> {
    const reply = await this.call('showCollections', () => this.client.showCollections());
    return reply.data
      .map((c) => c.name)
      .filter((n) => n.startsWith(prefix))
      .sort();
  }

  async setAlias(alias: string, collection: string): Promise<void> {
    assertCollectionName(alias);
    await this.requireCollection(collection);
    const current = await this.resolveAlias(alias);
    if (current === collection) return;
    if (current === undefined) {
      await this.write('createAlias', () => this.client.createAlias({ alias, collection_name: collection }));
    } else {
      await this.write('alterAlias', () => this.client.alterAlias({ alias, collection_name: collection }));
    }
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    assertCollectionName(alias);
    try {
      const reply = await this.call('describeAlias', () =>
        this.client.describeAlias({ alias, collection_name: alias }),
      );
      return reply.collection || undefined;
    } catch (err) {
      // Only the server's own "no such alias" means missing. A transport error (a restarting
      // Milvus: VECTOR_STORE_UNAVAILABLE) must not read as missing, or a caller would create it.
      const noSuchAlias =
        err instanceof MemflowError &&
        (err.code === 'COLLECTION_NOT_FOUND' || (err.code === 'VECTOR_STORE_ERROR' && /alias/i.test(err.message)));
      if (noSuchAlias) return undefined;
      throw err;
    }
  }

  async dropAlias(alias: string): Promise<boolean> {
    if ((await this.resolveAlias(alias)) === undefined) return false;
    await this.write('dropAlias', () => this.client.dropAlias({ alias }));
    return true;
  }

  /** Refuses the whole batch, writing nothing, unless every row matches the collection's identity. */
  async upsert(collection: string, rows: ChunkRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const info = await this.requireCollection(collection);
    for (const row of rows) {
      assertTenant(row.tenant);
      this.assertVector(info, row.vector, row.embeddingModel, `chunk ${row.id}`);
      if (Buffer.byteLength(row.text, 'utf8') > MAX_TEXT_BYTES) {
        throw new MemflowError(
          'INVALID_INPUT',
          `Chunk ${row.id} text exceeds ${MAX_TEXT_BYTES} bytes; chunk it smaller.`,
        );
      }
    }
    const reply = await this.write('upsert', () =>
      this.client.upsert({ collection_name: info.name, data: rows.map(toEntity) }),
    );
    const written = Number(reply.upsert_cnt);
    if (written !== rows.length) {
      throw new MemflowError('VECTOR_STORE_UNAVAILABLE', `Milvus upsert wrote ${written} of ${rows.length} rows.`);
    }
    this.wrote(info.name);
    await this.flush(info.name);
    return written;
  }

  async deleteByIds(collection: string, tenant: string, ids: string[]): Promise<number> {
    assertTenant(tenant);
    if (ids.length === 0) return 0;
    return this.deleteWhere(collection, tenant, { ids });
  }

  async deleteWhere(collection: string, tenant: string, filter: ChunkFilter): Promise<number> {
    const expr = buildFilter(tenant, filter);
    const info = await this.requireCollection(collection);
    const reply = await this.write('delete', () => this.client.delete({ collection_name: info.name, filter: expr }));
    this.wrote(info.name);
    await this.flush(info.name);
    return Number(reply.delete_cnt);
  }

  private assertVector(info: CollectionInfo, vector: number[], model: string, what: string): void {
    const want = info.identity;
    if (model !== want.model || vector.length !== want.dim) {
      throw new MemflowError(
        'EMBEDDING_MISMATCH',
        `${what} was embedded by ${model} (${vector.length}-d) but collection ${info.name} holds ${describeIdentity(want)}. ` +
          "Embed with the collection's model, or re-embed into a new collection with `memflow reindex start`.",
      );
    }
    if (!vector.every(Number.isFinite))
      throw new MemflowError('INVALID_INPUT', `${what} has a non-finite vector component.`);
  }

  async search(request: SearchRequest): Promise<SearchHit[]> {
    assertTenant(request.tenant);
    return this.ownHits(request.tenant, await this.searchTenant(request));
  }

  /** Every hit is the request's tenant's, or the store is broken: refuse the whole answer rather than leak. */
  private ownHits<T extends { tenant: string; id: string }>(tenant: string, hits: T[]): T[] {
    const foreign = hits.find((h) => h.tenant !== tenant);
    if (foreign) {
      throw new MemflowError(
        'TENANT_ISOLATION',
        `Milvus returned row ${foreign.id} of another tenant for a query filtered on ${tenant}; refusing the answer.`,
      );
    }
    return hits;
  }

  private async searchTenant(request: SearchRequest): Promise<SearchHit[]> {
    if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > 1000) {
      throw new MemflowError('INVALID_INPUT', `Search limit must be 1-1000, got ${request.limit}.`);
    }
    const info = await this.requireCollection(request.collection);
    if (!sameIdentity(request.identity, info.identity)) {
      throw new MemflowError(
        'EMBEDDING_MISMATCH',
        `Query embedded by ${describeIdentity(request.identity)} cannot search ${info.name}, which holds ${describeIdentity(info.identity)}.`,
      );
    }
    this.assertVector(info, request.vector, request.identity.model, 'Query vector');
    const filter = buildFilter(request.tenant, request.filter);
    const outputFields = request.includeText ? [...META_FIELDS, 'text'] : META_FIELDS;
    const consistency = this.searchConsistency(info.name);
    const annParams = this.options.flavor === 'lite' ? undefined : { ef: Math.max(SEARCH_EF, request.limit) };
    const hybridText = info.hybrid && request.hybridText ? request.hybridText : undefined;
    const leg = async (name: string, run: () => Promise<{ status: unknown; results: unknown }>) => {
      const reply = await this.loaded(info.name, () => this.call(name, run));
      const rows = reply.results as unknown as Record<string, unknown>[];
      return rows.map((h) => ({ ...fromEntity(h), score: Number(h.score) }));
    };
    const common = {
      collection_name: info.name,
      filter,
      limit: request.limit,
      output_fields: outputFields,
      ...consistency,
    };
    const dense = leg('search', () =>
      this.client.search({
        ...common,
        data: [request.vector],
        anns_field: 'vector',
        metric_type: info.identity.metric,
        ...(annParams && { params: annParams }),
      }),
    );
    const higherIsBetter = info.identity.metric !== 'L2';
    if (hybridText === undefined) {
      // A dense-only search is its one leg: a hit's rank there is its position. A retrieval search
      // (hybridText given) on a collection without BM25 keeps the leg's relative floor too.
      const hits = request.hybridText ? aboveFloor(await dense, DENSE_FLOOR, higherIsBetter) : await dense;
      return hits.map((h, i) => ({ ...h, legs: { dense: i + 1, lexical: null } }));
    }
    // Both legs at the request's depth, fused here (weighted RRF, contracts/search.ts) rather than by
    // Milvus's RRFRanker, which weighs the legs alike: the weights come from the retrieval question set.
    const [denseHits, bm25Hits] = await Promise.all([
      dense,
      leg('search (BM25 leg)', () =>
        this.client.search({
          ...common,
          data: [hybridText],
          anns_field: 'sparse',
          metric_type: 'BM25',
          params: { metric_type: 'BM25' },
        }),
      ),
    ]);
    return fuseLegs(aboveFloor(denseHits, DENSE_FLOOR, higherIsBetter), aboveFloor(bm25Hits, BM25_FLOOR, true)).slice(
      0,
      request.limit,
    );
  }

  async query(
    collection: string,
    options: { tenant: string; filter?: ChunkFilter; limit: number; offset?: number; includeText?: boolean },
  ): Promise<ChunkMeta[]> {
    const expr = buildFilter(options.tenant, options.filter);
    const info = await this.requireCollection(collection);
    const reply = await this.loaded(info.name, () =>
      this.call('query', () =>
        this.client.query({
          collection_name: info.name,
          filter: expr,
          output_fields: options.includeText ? [...META_FIELDS, 'text'] : META_FIELDS,
          limit: Math.min(options.limit, 1000),
          offset: options.offset ?? 0,
        }),
      ),
    );
    const rows = (reply.data as Record<string, unknown>[]).map(fromEntity).sort((a, b) => a.id.localeCompare(b.id));
    return this.ownHits(options.tenant, rows);
  }

  async count(collection: string, scope: CountScope): Promise<number> {
    const expr = 'allTenants' in scope ? '' : buildFilter(scope.tenant, scope.filter);
    const info = await this.requireCollection(collection);
    // Asked as the query for count(*) the SDK's count() sends, so that the reply's status is read
    // before its rows: count() reads the rows first, and a collection released by a milvus-lite
    // restart (no rows, status "released") became a TypeError that `loaded` could not recognize.
    const reply = await this.loaded(info.name, () =>
      this.call('count', () => this.client.query({ collection_name: info.name, expr, output_fields: [COUNT_FIELD] })),
    );
    const counted = (reply.data as Record<string, unknown>[])[0]?.[COUNT_FIELD];
    if (counted === undefined)
      throw new MemflowError('VECTOR_STORE_UNAVAILABLE', 'Milvus count: no count in the reply');
    return Number(counted);
  }

  async exportRows(collection: string, page: { afterId: string; limit: number }): Promise<ChunkMeta[]> {
    const info = await this.requireCollection(collection);
    const reply = await this.loaded(info.name, () =>
      this.call('query', () =>
        this.client.query({
          collection_name: info.name,
          filter: `id > ${literal(page.afterId)}`,
          output_fields: [...META_FIELDS, 'text'],
          limit: Math.min(page.limit, 1000),
        }),
      ),
    );
    return (reply.data as Record<string, unknown>[]).map(fromEntity).sort((a, b) => a.id.localeCompare(b.id));
  }

  async loadAll(prefix: string): Promise<string[]> {
    const names = await this.listCollections(prefix);
    for (const name of names) await this.load(name);
    return names;
  }

  async close(): Promise<void> {
    await this.writes.waitForUnlock();
    await this.client.closeConnection();
  }
}
