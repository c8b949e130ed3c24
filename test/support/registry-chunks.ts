import type { Pool } from 'pg';

/** The chunk ids of a tenant's live document versions, in id order: what its collection must hold, once each. */
export async function liveRegistryChunkIds(db: Pool, tenant: string): Promise<string[]> {
  const { rows } = await db.query<{ chunk_id: string }>(
    `SELECT c.chunk_id FROM chunks c JOIN documents d USING (tenant, doc_id)
     WHERE c.tenant = $1 AND c.version = d.live_version ORDER BY 1`,
    [tenant],
  );
  return rows.map((r) => r.chunk_id);
}
