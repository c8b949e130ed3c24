import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { REPO_ROOT } from '../config/config';
import { MemflowClient } from '../client/memflow-client';
import { createPool } from '../adapters/postgres/pool';
import { MemflowError } from '../contracts/errors';
import { tenantSchema } from '../contracts/identifiers';
import { checkInput } from '../contracts/input-issues';
import { MAX_SEARCH_LIMIT, TURN_PASSAGE_LIMIT } from '../contracts/search';
import { folderDocuments, registryDocuments } from '../evaluation/baseline-documents';
import { engineThroughClient } from '../evaluation/client-engine';
import type { RetrievalEvaluation } from '../evaluation/evaluate-retrieval';
import { evaluateRetrieval } from '../evaluation/evaluate-retrieval';
import { readQuestionFile } from '../evaluation/question-file';
import { recordResult, runStart } from '../bench/support/results';
import type { EvaluationOutput } from './format-retrieval-evaluation';
import { formatRetrievalEvaluation } from './format-retrieval-evaluation';
import type { CliContext } from './main';
import { VALUE, parseCommand, usageError } from './parse-command';

const USAGE =
  'Usage: memflow eval retrieval --tenant T --questions FILE.jsonl [--manual DIR] [--record] [--json]\n' +
  '  --manual DIR  the BM25 baseline ranks the pages of DIR (the manual as `memflow corpus postgres-docs` ingests it)\n' +
  "                instead of the tenant's documents as the registry holds them\n" +
  '  --record      append the scores to bench/results/retrieval.jsonl (with the commit and machine)';

/** A path as a results line records it: relative to the repository when inside it. */
function recordedPath(file: string): string {
  const relative = path.relative(REPO_ROOT, path.resolve(file));
  return relative.startsWith('..') || path.isAbsolute(relative) ? path.basename(file) : relative;
}

/**
 * `memflow eval retrieval --tenant T --questions FILE.jsonl [--manual DIR] [--record] [--json]`:
 * page-level recall@1/5/10 and MRR@10 of the engine's deeper ranking, a turn's passages and a real
 * turn's citations, beside BM25 over the same documents; overall, per kind, and the questions
 * missed. Everything is checked before anything runs.
 */
export async function evalCommand(config: MemflowConfig, argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    { tenant: VALUE, questions: VALUE, manual: VALUE, record: { type: 'boolean', default: false } },
    USAGE,
  );
  if (positionals.length !== 1 || positionals[0] !== 'retrieval') throw usageError(USAGE);
  if (!values.tenant || !values.questions) {
    throw usageError(USAGE, 'memflow eval retrieval needs --tenant and --questions.');
  }
  const tenant = checkInput(tenantSchema, values.tenant, 'tenant');
  if (!tenant.ok) throw usageError(USAGE, tenant.message);
  if (values.manual !== undefined && !fs.statSync(values.manual, { throwIfNoEntry: false })?.isDirectory()) {
    throw usageError(USAGE, `--manual ${values.manual} is not a folder.`);
  }
  const questionsFile = path.resolve(values.questions);
  const questions = readQuestionFile(questionsFile);
  const start = runStart();

  const db = createPool(config.postgres.url, 2);
  let held;
  try {
    held = await registryDocuments(db, tenant.value);
  } finally {
    await db.end();
  }
  if (held.length === 0) {
    throw new MemflowError(
      'NOT_FOUND',
      `Tenant ${tenant.value} holds no documents: ingest them first (\`memflow corpus postgres-docs --tenant ${tenant.value}\` for the PostgreSQL manual).`,
    );
  }
  const baseline = values.manual === undefined ? held : await folderDocuments(values.manual);

  const client = await MemflowClient.connect(config);
  let evaluation: RetrievalEvaluation;
  try {
    evaluation = await evaluateRetrieval({
      questions,
      engine: engineThroughClient(client, tenant.value, crypto.randomBytes(3).toString('hex')),
      baseline,
      depth: MAX_SEARCH_LIMIT,
      turnLimit: TURN_PASSAGE_LIMIT,
      onProgress: (done, total) => {
        if (done % 10 === 0 || done === total) ctx.log(`evaluated ${done}/${total} questions`);
      },
    });
  } finally {
    await client.close();
  }
  const baselineSource = values.manual === undefined ? 'registry' : 'manual';
  const output: EvaluationOutput = {
    tenant: tenant.value,
    questionsFile: values.questions,
    baselineSource,
    ...evaluation,
  };
  ctx.print(ctx.json ? JSON.stringify(output, null, 2) : formatRetrievalEvaluation(output));
  if (values.record) {
    const file = recordResult('retrieval', {
      start,
      params: {
        tenant: tenant.value,
        questionsFile: recordedPath(questionsFile),
        questionsSha256: crypto.createHash('sha256').update(fs.readFileSync(questionsFile)).digest('hex'),
        depth: evaluation.depth,
        turnLimit: evaluation.turnLimit,
        baseline: { source: baselineSource, documents: evaluation.baselineDocuments },
        tenantDocuments: held.length,
        collections: evaluation.collections,
        embeddingModels: evaluation.models,
        llmModel: config.llm.baseUrl ? (config.llm.model ?? null) : null,
      },
      results: {
        questions: evaluation.questions,
        answerKinds: evaluation.answerKinds,
        rankings: evaluation.rankings,
        ranks: Object.fromEntries(evaluation.perQuestion.map((q) => [q.id, q.ranks])),
      },
      // A measure of quality, not of time: no CPU is metered.
      cpu: undefined,
    });
    ctx.log(`appended a results line to ${path.relative(process.cwd(), file) || file}`);
  }
  return 0;
}
