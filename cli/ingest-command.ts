import type { MemflowConfig } from '../config/config';
import { everyDocumentFailed, ingestProgress } from '../client/ingest';
import { waitForResult } from '../client/wait-for-result';
import { MemflowClient } from '../client/memflow-client';
import { workflowUrl } from '../adapters/temporal/connection';
import type { IngestProgress } from '../contracts/ingest';
import { checkIngestOptions, checkIngestSource } from '../contracts/ingest';
import type { CliContext } from './main';
import { VALUE, integerFlag, parseCommand, usageError } from './parse-command';

const USAGE =
  'Usage: memflow ingest <paths|globs…> --tenant T [--base-dir D] [--batch-size N] [--concurrency N] [--json]\n' +
  '       memflow ingest --corpus NAME <paths under the corpus root…> --tenant T [--batch-size N] [--concurrency N] [--json]';

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

/**
 * `memflow ingest <paths…> --tenant T [--json]`: checks the options with the workflow's schemas
 * (a bad one is a usage error, exit 2, before anything is staged or started), stages the files,
 * starts the workflow and follows its progress query. Exits 1 when every document failed.
 */
export async function ingestCommand(config: MemflowConfig, argv: string[], ctx: CliContext): Promise<number> {
  const flags = { tenant: VALUE, 'base-dir': VALUE, 'batch-size': VALUE, concurrency: VALUE, corpus: VALUE };
  const { values, positionals } = parseCommand(argv, flags, USAGE);
  if (!values.tenant || positionals.length === 0) throw usageError(USAGE, 'memflow ingest needs --tenant and paths.');
  const options = {
    tenant: values.tenant,
    ...(values['batch-size'] !== undefined ? { batchSize: integerFlag(values['batch-size']) } : {}),
    ...(values.concurrency !== undefined ? { concurrency: integerFlag(values.concurrency) } : {}),
  };
  const checked = checkIngestOptions(options);
  if (!checked.ok) throw usageError(USAGE, checked.message);
  if (values.corpus !== undefined) {
    if (values['base-dir'] !== undefined) throw usageError(USAGE, '--base-dir applies to local files, not --corpus.');
    const source = checkIngestSource({ corpus: values.corpus, paths: positionals });
    if (!source.ok) throw usageError(USAGE, source.message);
  }

  const client = await MemflowClient.connect(config);
  try {
    const { handle, ignored, files, rejected } = await client.ingest({
      ...checked.value,
      paths: positionals,
      ...(values.corpus !== undefined ? { corpus: values.corpus } : { baseDir: values['base-dir'] }),
    });
    const refused = rejected.length > 0 ? `, ${rejected.length} refused before staging` : '';
    ctx.log(
      `ingesting ${files} file(s)${ignored ? ` (${ignored} of other types ignored)` : ''}${refused} · ${workflowUrl(config, handle.workflowId)}`,
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
      result = await waitForResult<IngestProgress>(handle, { log: ctx.log });
    } finally {
      clearInterval(timer);
      await polling;
      if (live) process.stderr.write('\n');
    }
    ctx.print(
      ctx.json ? JSON.stringify({ workflowId: handle.workflowId, ...result }, null, 2) : formatIngestSummary(result),
    );
    if (everyDocumentFailed(result)) {
      ctx.log('memflow: every document failed; nothing was ingested.');
      return 1;
    }
    return 0;
  } finally {
    await client.close();
  }
}
