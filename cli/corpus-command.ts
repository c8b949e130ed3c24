import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { QUICK_SUBSET, fetchPostgresDocs } from './postgres-docs-corpus';
import type { CliContext } from './main';
import { parseCommand, usageError } from './parse-command';

const USAGE = 'Usage: memflow corpus postgres-docs [--tenant T] [--quick] [--fetch-only] [--json]';
import { ingestCommand } from './ingest-command';

/** `memflow corpus postgres-docs [--tenant T] [--quick] [--fetch-only] [--json]` */
export async function corpusCommand(config: MemflowConfig, argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      tenant: { type: 'string', default: 'postgres-docs' },
      quick: { type: 'boolean', default: false },
      'fetch-only': { type: 'boolean', default: false },
    },
    USAGE,
  );
  if (positionals[0] !== 'postgres-docs') throw usageError(USAGE);
  const html = fetchPostgresDocs(config, ctx.log);
  ctx.log(`PostgreSQL manual at ${html}`);
  if (values['fetch-only']) return 0;
  const paths = values.quick ? QUICK_SUBSET.map((f) => path.join(html, f)) : [html];
  // One base folder for both, so a page has the same source URI (and document id) either way.
  return ingestCommand(
    config,
    [...paths, '--tenant', values.tenant!, '--base-dir', html, ...(ctx.json ? ['--json'] : [])],
    ctx,
  );
}
