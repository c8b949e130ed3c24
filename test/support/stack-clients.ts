import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { MilvusVectorStore } from '../../adapters/milvus/milvus-store';
import type { MemflowConfig } from '../../config/config';
import { createPool } from '../../adapters/postgres/pool';
import { connectClient } from '../../adapters/temporal/connection';

/** The clients a test uses to observe the real stack; `close()` releases them all. */
export interface StackClients {
  temporal: Client;
  db: Pool;
  vectors: MilvusVectorStore;
  close(): Promise<void>;
}

export async function openStackClients(config: MemflowConfig): Promise<StackClients> {
  // memflow's own client: payloads are encrypted, so reading them takes the codec.
  const temporal = await connectClient(config);
  const db = createPool(config.postgres.url, 4);
  const vectors = new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor });
  return {
    temporal,
    db,
    vectors,
    async close() {
      await Promise.allSettled([temporal.connection.close(), db.end(), vectors.close()]);
    },
  };
}

/** Every chunk id stored for a tenant in a collection, paging through query results. */
export async function storedChunkIds(
  vectors: MilvusVectorStore,
  collection: string,
  tenant: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await vectors.query(collection, { tenant, limit: 1000, offset });
    ids.push(...page.map((c) => c.id));
    if (page.length < 1000) return ids.sort();
  }
}
