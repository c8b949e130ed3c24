import type { Embedder } from './embedder';

export interface QueryEmbeddingCacheOptions {
  /** Most vectors kept; the least recently used goes first. */
  maxEntries?: number;
  /** How long a vector stays valid after it was computed. */
  ttlMs?: number;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

export interface QueryEmbeddingCacheStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 before any lookup. */
  hitRate: number;
  size: number;
}

interface Entry {
  vector: number[];
  expiresAt: number;
}

/** Queries that differ only in case or spacing share a vector. */
export function normalizeQuery(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * A bounded LRU cache of query vectors with a TTL, keyed by embedding model and normalized text.
 * For queries only: document chunks are embedded once at ingest and never looked up again.
 */
export class QueryEmbeddingCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;

  constructor(options: QueryEmbeddingCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
    if (!(this.maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
  }

  /** Vectors for `texts` in order; the misses are embedded together in one `embed` call. */
  async getOrEmbed(embedder: Embedder, texts: string[]): Promise<number[][]> {
    const { model, dim } = embedder.identity;
    const keys = texts.map((t) => `${model}\u0000${dim}\u0000${normalizeQuery(t)}`);
    const found = new Map<string, number[]>();
    const missing: string[] = [];
    const missingTexts: string[] = [];
    const pending = new Set<string>();

    for (const [i, key] of keys.entries()) {
      if (found.has(key) || pending.has(key)) {
        this.hits++; // a repeat within the same call costs nothing either
        continue;
      }
      const vector = this.lookup(key);
      if (vector) {
        this.hits++;
        found.set(key, vector);
      } else {
        this.misses++;
        missing.push(key);
        pending.add(key);
        missingTexts.push(texts[i] ?? '');
      }
    }

    if (missing.length > 0) {
      const vectors = await embedder.embed(missingTexts);
      const expiresAt = this.now() + this.ttlMs;
      for (const [i, key] of missing.entries()) {
        const vector = vectors[i];
        if (!vector)
          throw new Error(`Embedder ${model} returned ${vectors.length} vectors for ${missing.length} texts`);
        found.set(key, vector);
        this.store(key, { vector, expiresAt });
      }
    }
    return keys.map((key) => [...(found.get(key) ?? [])]);
  }

  stats(): QueryEmbeddingCacheStats {
    const lookups = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      hitRate: lookups === 0 ? 0 : this.hits / lookups,
      size: this.entries.size,
    };
  }

  clear(): void {
    this.entries.clear();
  }

  private lookup(key: string): number[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry); // most recently used goes last
    return entry.vector;
  }

  private store(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
