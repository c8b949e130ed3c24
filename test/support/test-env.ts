import crypto from 'node:crypto';
import type { MemflowConfig } from '../../config/config';
import { loadConfig } from '../../config/config';

/**
 * Configuration of the private stack `npm test` started (see test/run.ts). Test files fail fast
 * with a clear message when run outside it.
 */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): MemflowConfig {
  if (!process.env.MEMFLOW_TEST_RUN) {
    throw new Error('Run tests through `npm test` (test/run.ts), which starts their private stack.');
  }
  return loadConfig({ ...process.env, ...overrides });
}

/** A name unique to this test run and call, valid as a Milvus collection name and task queue. */
export function uniqueName(label: string): string {
  const prefix = process.env.MEMFLOW_COLLECTION_PREFIX ?? 'memflow';
  return `${prefix}_${label}_${crypto.randomBytes(3).toString('hex')}`;
}
