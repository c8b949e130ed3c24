import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MemflowConfig } from '../config/config';
import { MemflowError } from '../contracts/errors';
import { QUICK_SUBSET, fetchPostgresDocs } from './postgres-docs-corpus';
import type { CliContext } from './main';
import { ingestCommand } from './ingest-command';

/** `memflow corpus postgres-docs [--tenant T] [--quick] [--fetch-only] [--json]` */
export async function corpusCommand(config: MemflowConfig, argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string', default: 'postgres-docs' },
      quick: { type: 'boolean', default: false },
      'fetch-only': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals[0] !== 'postgres-docs') {
    throw new MemflowError(
      'INVALID_INPUT',
      'Usage: memflow corpus postgres-docs [--tenant T] [--quick] [--fetch-only] [--json]',
    );
  }
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
