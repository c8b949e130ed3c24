import type { MemflowConfig } from '../config/config';
import { reindexStatus, signalReindex, startReindex } from '../client/reindex';
import type { ReindexStatusEntry } from '../client/reindex';
import { createPool } from '../adapters/postgres/pool';
import { connectClient, workflowUrl } from '../adapters/temporal/connection';
import type { CliContext } from './main';
import { VALUE, parseCommand, usageError } from './parse-command';

const USAGE = `Usage:
  memflow reindex start --model M [--target-version V] [--page-size N] [--throttle-ms N] [--retention-hours H] [--json]
  memflow reindex status [--json]
  memflow reindex pause|resume|cancel|rollback <target_version>`;

function formatEntry(config: MemflowConfig, e: ReindexStatusEntry): string {
  const r = e.row;
  const head = `#${r.id} ${r.targetVersion} (${r.model ?? '?'}) ${r.status}${r.completedAt ? ` · completed ${r.completedAt.toISOString()}` : ''}`;
  const lines = [head];
  if (e.live) {
    const total = e.live.totalChunks;
    const bar = total ? `${e.live.backfilled}/${total}` : `${e.live.backfilled}`;
    lines.push(
      `    saga: ${e.live.state}${e.live.paused && e.live.state !== 'paused' ? ' (pausing)' : ''} · backfilled ${bar} chunks`,
    );
  }
  if (r.collection) lines.push(`    ${r.previousCollection ?? '?'} → ${r.collection}`);
  if (e.unavailable) lines.push(`    saga: state unavailable (${e.unavailable})`);
  if (r.error) lines.push(`    error: ${r.error}`);
  if (r.pending) lines.push(`    pending: ${r.pending}`);
  for (const c of r.compensations ?? [])
    lines.push(`    compensation ${c.ok ? 'done' : `FAILED (${c.error})`}: ${c.name}`);
  if (r.workflowId) lines.push(`    ${workflowUrl(config, r.workflowId)}`);
  return lines.join('\n');
}

export async function reindexCommand(config: MemflowConfig, argv: string[], ctx: CliContext): Promise<number> {
  const flags = {
    model: VALUE,
    'target-version': VALUE,
    'page-size': VALUE,
    'throttle-ms': VALUE,
    'retention-hours': VALUE,
  };
  const { values, positionals } = parseCommand(argv, flags, USAGE);
  const [sub, target] = positionals;
  const client = await connectClient(config);
  const db = createPool(config.postgres.url, 2);
  try {
    switch (sub) {
      case 'start': {
        if (!values.model) throw usageError(USAGE);
        const result = await startReindex(client, config, db, {
          model: values.model,
          targetVersion: values['target-version'],
          options: {
            ...(values['page-size'] ? { pageSize: Number(values['page-size']) } : {}),
            ...(values['throttle-ms'] ? { throttleMs: Number(values['throttle-ms']) } : {}),
            ...(values['retention-hours'] ? { retentionMs: Number(values['retention-hours']) * 3600_000 } : {}),
          },
        });
        ctx.print(
          ctx.json
            ? JSON.stringify({
                id: result.row.id,
                targetVersion: result.row.targetVersion,
                created: result.created,
                workflowId: result.workflowId,
                status: result.row.status,
              })
            : `${result.created ? 'started' : 'already requested'}: re-embed #${result.row.id} to ${result.row.targetVersion} · ${workflowUrl(config, result.workflowId)}`,
        );
        return 0;
      }
      case 'status': {
        const entries = await reindexStatus(client, db);
        ctx.print(
          ctx.json
            ? JSON.stringify(entries, null, 2)
            : entries.map((e) => formatEntry(config, e)).join('\n') || 'no re-embeds yet',
        );
        return 0;
      }
      case 'pause':
      case 'resume':
      case 'cancel':
      case 'rollback':
        if (!target) throw usageError(USAGE);
        await signalReindex(client, db, target, sub);
        ctx.print(`${sub}: sent to the re-embed saga for ${target}`);
        return 0;
      default:
        throw usageError(USAGE);
    }
  } finally {
    await db.end();
    await client.connection.close();
  }
}
