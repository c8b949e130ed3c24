import type { MemflowConfig } from '../config/config';
import { MemflowClient } from '../client/memflow-client';
import type { SearchReply } from '../client/search';
import { workflowUrl } from '../adapters/temporal/connection';
import { checkInput } from '../contracts/input-issues';
import {
  DENSE_WEIGHT,
  DOCUMENT_SCORE_DECAY,
  LEXICAL_WEIGHT,
  RRF_K,
  TURN_PASSAGE_LIMIT,
  searchIndexInputSchema,
} from '../contracts/search';
import type { LexicalLeg } from '../contracts/search';
import type { CliContext } from './main';
import { VALUE, integerFlag, parseCommand, usageError } from './parse-command';
import { cell, textTable } from './text-table';

const USAGE = `Usage: memflow search --tenant T [--limit N] [--json] "query"   (N: 1-50, default ${TURN_PASSAGE_LIMIT} as a chat turn)`;

/** How each lexical leg is named in the table and the line above it. */
const LEXICAL_NAMES: Record<LexicalLeg, { leg: string; column: string }> = {
  postgres: { leg: 'PostgreSQL full text over the registry', column: 'text rank' },
  milvus: { leg: "Milvus's BM25", column: 'BM25 rank' },
};

const rank = (r: number | null) => (r === null ? '–' : String(r));

/** The passages as a table: rank, score, each leg's rank, source, title, chunk id; then how to read it. */
export function formatSearch(result: SearchReply, url: string): string {
  const lexical = result.lexical ? LEXICAL_NAMES[result.lexical] : undefined;
  const retrieval = lexical
    ? `dense + ${lexical.leg}, fused by weighted reciprocal rank fusion`
    : "dense only (Milvus's BM25 was asked for and this collection has none)";
  const lines = [
    `${result.hits.length} passage(s) for tenant ${result.tenant}, as a chat turn retrieves them (limit ${result.limit})`,
    `  index ${result.collection} (${result.model}): ${retrieval}`,
    '',
  ];
  if (result.hits.length === 0) {
    lines.push(
      `No passages: tenant ${result.tenant} holds no document that matches (ingest some with \`memflow ingest\`).`,
    );
  } else {
    lines.push(
      textTable(
        [
          'rank',
          lexical ? 'fused score' : 'score',
          'dense rank',
          lexical?.column ?? 'lexical rank',
          'source',
          'title',
          'chunk id',
        ],
        result.hits.map((h) => [
          String(h.rank),
          h.score.toFixed(4),
          rank(h.legs.dense),
          lexical ? rank(h.legs.lexical) : 'n/a',
          cell(h.source),
          cell(h.title, 40),
          cell(h.chunkId),
        ]),
        new Set([0, 1, 2, 3]),
      ),
      '',
      `  leg ranks count within each leg's first ${result.legDepth} (– : not among them); ` +
        (lexical
          ? `fused score = ${DENSE_WEIGHT}/(${RRF_K} + dense rank) + ${LEXICAL_WEIGHT}/(${RRF_K} + ${lexical.column})`
          : `score = ${DENSE_WEIGHT}/(${RRF_K} + dense rank)`),
      `  grouped by document, documents ranked by Σ ${DOCUMENT_SCORE_DECAY}^i × their chunks' scores, best first`,
    );
  }
  if (result.memories.length > 0) lines.push(`  ${result.memories.length} long-term memory(ies) recalled with them`);
  lines.push(`  workflow ${result.workflowId}`, `  ${url}`);
  return lines.join('\n');
}

/**
 * `memflow search --tenant T [--limit N] [--json] "query"`: the input is checked with the
 * workflow's own schema (a bad one is a usage error, exit 2, and starts nothing), then the
 * `searchIndex` workflow runs the retriever through the worker.
 */
export async function searchCommand(config: MemflowConfig, argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(argv, { tenant: VALUE, limit: VALUE }, USAGE);
  if (!values.tenant || positionals.length === 0) throw usageError(USAGE, 'memflow search needs --tenant and a query.');
  const checked = checkInput(
    searchIndexInputSchema,
    {
      tenant: values.tenant,
      query: positionals.join(' '),
      ...(values.limit === undefined ? {} : { limit: integerFlag(values.limit) }),
    },
    'search',
  );
  if (!checked.ok) throw usageError(USAGE, checked.message);
  const { tenant, query, limit } = checked.value;
  const client = await MemflowClient.connect(config);
  try {
    const result = await client.search(tenant, query, { ...(limit === undefined ? {} : { limit }), onWait: ctx.log });
    const url = workflowUrl(config, result.workflowId);
    ctx.print(ctx.json ? JSON.stringify({ ...result, url }, null, 2) : formatSearch(result, url));
    return 0;
  } finally {
    await client.close();
  }
}
