import type { FieldType, RowData } from '@zilliz/milvus2-sdk-node';
import { DataType, FunctionType } from '@zilliz/milvus2-sdk-node';
import { MemflowError } from '../../contracts/errors';
import type { ChunkMeta, ChunkRow } from './vector-store';
import type { EmbeddingIdentity, Metric } from '../../contracts/embedding';

/** Collection properties memflow writes; the identity lives with the collection itself. */
export const IDENTITY_PROPERTY = 'memflow.embedding';
export const HYBRID_PROPERTY = 'memflow.hybrid';
export const SCHEMA_PROPERTY = 'memflow.schema';
/** 2: `tenant` is the partition key. Collections of schema 1 move to it through the re-embed saga. */
export const SCHEMA_VERSION = '2';

export const MAX_TEXT_BYTES = 16_384;
export const META_FIELDS = [
  'id',
  'tenant',
  'doc_id',
  'doc_version',
  'ordinal',
  'title',
  'source',
  'heading_path',
  'embedding_model',
];

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const METRICS: Metric[] = ['COSINE', 'IP', 'L2'];

export function assertCollectionName(name: string): void {
  if (!NAME.test(name)) {
    throw new MemflowError(
      'INVALID_INPUT',
      `Invalid collection or alias name ${JSON.stringify(name)}: use letters, digits and _, starting with a letter or _.`,
    );
  }
}

export function assertIdentity(identity: EmbeddingIdentity): void {
  if (!identity.model || !Number.isInteger(identity.dim) || identity.dim < 2 || identity.dim > 32_768) {
    throw new MemflowError('INVALID_INPUT', `Invalid embedding identity ${JSON.stringify(identity)}.`);
  }
  if (!METRICS.includes(identity.metric)) {
    throw new MemflowError('INVALID_INPUT', `Unknown metric ${identity.metric}; use one of ${METRICS.join(', ')}.`);
  }
}

export function sameIdentity(a: EmbeddingIdentity, b: EmbeddingIdentity): boolean {
  return a.model === b.model && a.dim === b.dim && a.metric === b.metric;
}

export function describeIdentity(i: EmbeddingIdentity): string {
  return `${i.model} (${i.dim}-d, ${i.metric})`;
}

export function chunkFields(dim: number, hybrid: boolean, tenantPartitioned = true): FieldType[] {
  const fields: FieldType[] = [
    { name: 'id', data_type: DataType.VarChar, is_primary_key: true, max_length: 256 },
    // Milvus's own multi-tenancy: each tenant's rows live in the partitions its key hashes to, and a
    // search filtered on one tenant reads only those.
    { name: 'tenant', data_type: DataType.VarChar, max_length: 128, is_partition_key: tenantPartitioned },
    { name: 'doc_id', data_type: DataType.VarChar, max_length: 128 },
    { name: 'doc_version', data_type: DataType.Int64 },
    { name: 'ordinal', data_type: DataType.Int64 },
    { name: 'text', data_type: DataType.VarChar, max_length: MAX_TEXT_BYTES, enable_analyzer: hybrid },
    { name: 'title', data_type: DataType.VarChar, max_length: 1024 },
    { name: 'source', data_type: DataType.VarChar, max_length: 2048 },
    { name: 'heading_path', data_type: DataType.VarChar, max_length: 2048 },
    { name: 'embedding_model', data_type: DataType.VarChar, max_length: 128 },
    { name: 'vector', data_type: DataType.FloatVector, dim },
  ];
  if (hybrid) fields.push({ name: 'sparse', data_type: DataType.SparseFloatVector });
  return fields;
}

export function bm25Function() {
  return {
    name: 'text_bm25',
    type: FunctionType.BM25,
    input_field_names: ['text'],
    output_field_names: ['sparse'],
    params: {},
  };
}

/**
 * Whether a server with this `getVersion` answer upserts correctly into a collection with a
 * partition key: Milvus 2.3 loses such upserts (seen on 2.3.5: rows written, none found by tenant),
 * so there `tenant` stays an ordinary field — still filtered by the adapter on every read.
 */
export function serverSupportsPartitionKey(version: string): boolean {
  return serverAtLeast(version, 2, 4);
}

/** milvus-lite 3.x, Milvus at `major.minor` or later, or an unrecognised answer (a managed service). */
function serverAtLeast(version: string, wantMajor: number, wantMinor: number): boolean {
  if (/^milvus[_-]lite/i.test(version)) return true;
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/**
 * Whether a server with this `getVersion` answer has BM25 functions (Milvus ≥ 2.5, milvus-lite 3.x).
 * Older ones must never see a BM25 schema: Milvus 2.3 accepts it, fails the sparse index, and then
 * crashes loading the collection (segcore aborts on the unknown field type). An unrecognised answer
 * (a managed service) is tried, with the fallback to dense-only on a BM25 error.
 */
export function serverSupportsBm25(version: string): boolean {
  return serverAtLeast(version, 2, 5);
}

export function indexParams(metric: Metric, hybrid: boolean) {
  const params: { field_name: string; index_type: string; metric_type: string }[] = [
    { field_name: 'vector', index_type: 'AUTOINDEX', metric_type: metric },
  ];
  if (hybrid) params.push({ field_name: 'sparse', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25' });
  return params;
}

export function toEntity(row: ChunkRow): RowData {
  return {
    id: row.id,
    tenant: row.tenant,
    doc_id: row.docId,
    doc_version: row.docVersion,
    ordinal: row.ordinal,
    text: row.text,
    title: row.title.slice(0, 1000),
    source: row.source.slice(0, 2000),
    heading_path: row.headingPath.slice(0, 2000),
    embedding_model: row.embeddingModel,
    vector: row.vector,
  };
}

export function fromEntity(e: Record<string, unknown>): ChunkMeta {
  const meta: ChunkMeta = {
    id: String(e.id),
    tenant: String(e.tenant),
    docId: String(e.doc_id),
    docVersion: Number(e.doc_version),
    ordinal: Number(e.ordinal),
    title: String(e.title ?? ''),
    source: String(e.source ?? ''),
    headingPath: String(e.heading_path ?? ''),
    embeddingModel: String(e.embedding_model ?? ''),
  };
  if (typeof e.text === 'string') meta.text = e.text;
  return meta;
}

export function parseIdentity(
  properties: { key: string; value: string | number }[] | undefined,
): EmbeddingIdentity | undefined {
  const raw = properties?.find((p) => p.key === IDENTITY_PROPERTY)?.value;
  if (!raw) return undefined;
  const parsed = JSON.parse(String(raw)) as EmbeddingIdentity;
  return { model: parsed.model, dim: parsed.dim, metric: parsed.metric };
}
