/**
 * Deterministic synthetic embeddings for benchmarks that need many vectors without an embedder:
 * unit vectors scattered around random centroids (clusters, like real embeddings of related text,
 * so an ANN index is exercised as it would be), and the exact top-k against them for recall.
 */

/** mulberry32: a small seeded PRNG, uniform in [0, 1). Same seed, same sequence, on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller) from a uniform source. */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function normalizeInPlace(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i += 1) v[i]! /= norm;
  return v;
}

export interface ClusteredSpace {
  dim: number;
  centroids: Float32Array[];
  /** A unit vector near centroid `c` (or a random one): centroid + noise of norm ≈ `noise`, normalized. */
  sample(c?: number): { vector: Float32Array; centroid: number };
}

/**
 * `clusters` random unit centroids; samples add isotropic Gaussian noise whose expected norm is
 * `noise` (relative to the unit centroid), so two samples of one cluster have cosine ≈ 1/(1+noise²)
 * and samples of different clusters ≈ 0.
 */
export function clusteredSpace(options: {
  dim: number;
  clusters: number;
  noise: number;
  seed: number;
}): ClusteredSpace {
  const random = seededRandom(options.seed);
  const normal = gaussian(random);
  const { dim } = options;
  const centroids = Array.from({ length: options.clusters }, () =>
    normalizeInPlace(Float32Array.from({ length: dim }, normal)),
  );
  const sigma = options.noise / Math.sqrt(dim);
  return {
    dim,
    centroids,
    sample(c = Math.floor(random() * centroids.length)) {
      const centroid = centroids[c]!;
      const vector = new Float32Array(dim);
      for (let i = 0; i < dim; i += 1) vector[i] = centroid[i]! + sigma * normal();
      return { vector: normalizeInPlace(vector), centroid: c };
    },
  };
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * Exact top-k by cosine (the vectors are unit length, so the dot product) among `candidates`,
 * indexes into `vectors`; best first. Brute force: the ground truth an ANN search is held to.
 */
export function exactTopK(
  query: Float32Array,
  vectors: readonly Float32Array[],
  candidates: readonly number[],
  k: number,
): { index: number; score: number }[] {
  const best: { index: number; score: number }[] = [];
  for (const index of candidates) {
    const score = dot(query, vectors[index]!);
    if (best.length === k && score <= best[k - 1]!.score) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.score < score) at -= 1;
    best.splice(at, 0, { index, score });
    if (best.length > k) best.pop();
  }
  return best;
}
