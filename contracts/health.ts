/** What the health-check workflow reports: one line per dependency, as the worker reaches it. */
export interface HealthReport {
  worker: string;
  postgres: string;
  milvus: string;
}
