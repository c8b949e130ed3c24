import type { MemflowConfig } from '../config/config';
import { ingestProgress, startIngest } from '../client/ingest';
import { connectClient, workflowUrl } from '../adapters/temporal/connection';
import type { IngestProgress } from '../contracts/ingest';
import type { CliContext } from './main';
import { VALUE, parseCommand, usageError } from './parse-command';

const USAGE =
  'Usage: memflow ingest <paths|globs…> --tenant T [--base-dir D] [--batch-size N] [--concurrency N] [--json]';

function bar(p: IngestProgress, width = 28): string {
  const ratio = p.documentsTotal === 0 ? 1 : p.documentsDone / p.documentsTotal;
  const filled = Math.round(ratio * width);
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.documentsDone}/${p.documentsTotal} docs · ` +
    `${p.changed} changed · ${p.skipped} unchanged · ${p.failed} failed · ${p.chunksWritten} chunks · ${p.chunksPerSecond} chunks/s`
  );
}

export function formatIngestSummary(p: IngestProgress): string {
  const lines = [
    `ingested ${p.documentsTotal} document(s) in ${(p.elapsedMs / 1000).toFixed(1)}s: ${p.changed} changed, ` +
      `${p.skipped} unchanged, ${p.failed} failed; ${p.chunksWritten} chunks written (${p.chunksPerSecond}/s)`,
  ];
  for (const f of p.failures) lines.push(`  ✗ ${f.reason}: ${f.message}`);
  if (p.failed > p.failures.length) lines.push(`  … and ${p.failed - p.failures.length} more failures`);
  return lines.join('\n');
}

/** `memflow ingest <paths…> --tenant T [--json]`: starts the workflow and follows its progress query. */
export async function ingestCommand(config: MemflowConfig, argv: string[], ctx: CliContext): Promise<number> {
  const flags = { tenant: VALUE, 'base-dir': VALUE, 'batch-size': VALUE, concurrency: VALUE };
  const { values, positionals } = parseCommand(argv, flags, USAGE);
  if (!values.tenant || positionals.length === 0) throw usageError(USAGE, 'memflow ingest needs --tenant and paths.');
  const client = await connectClient(config);
  try {
    const { handle, ignored, files } = await startIngest(client, config, {
      tenant: values.tenant,
      paths: positionals,
      baseDir: values['base-dir'],
      batchSize: values['batch-size'] ? Number(values['batch-size']) : undefined,
      concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    });
    ctx.log(
      `ingesting ${files} file(s)${ignored ? ` (${ignored} of other types ignored)` : ''} · ${workflowUrl(config, handle.workflowId)}`,
    );
    const live = process.stderr.isTTY && !ctx.json;
    // One query at a time, and none left in flight when the connection closes.
    let polling: Promise<void> = Promise.resolve();
    const timer = live
      ? setInterval(() => {
          polling = polling.then(() =>
            ingestProgress(handle).then(
              (p) => void process.stderr.write(`\r${bar(p)}`),
              () => undefined,
            ),
          );
        }, 500)
      : undefined;
    let result: IngestProgress;
    try {
      result = await handle.result();
    } finally {
      clearInterval(timer);
      await polling;
      if (live) process.stderr.write('\n');
    }
    ctx.print(
      ctx.json ? JSON.stringify({ workflowId: handle.workflowId, ...result }, null, 2) : formatIngestSummary(result),
    );
    return 0;
  } finally {
    await client.connection.close();
  }
}
