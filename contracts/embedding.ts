/** How vectors are compared; a collection's metric is fixed when it is created. */
export type Metric = 'COSINE' | 'IP' | 'L2';

/** Which model produced a collection's vectors. Writes and searches must match it exactly. */
export interface EmbeddingIdentity {
  model: string;
  dim: number;
  metric: Metric;
}
