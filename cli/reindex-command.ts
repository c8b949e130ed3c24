import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { reindexStatus, signalReindex, startReindex } from '../client/reindex';
import type { ReindexStatusEntry } from '../client/reindex';
import { createPool } from '../adapters/postgres/pool';
import { connectClient, workflowUrl } from '../adapters/temporal/connection';
import { MemflowError } from '../contracts/errors';
import { checkInput } from '../contracts/input-issues';
import type { QuestionSetComparison, QuestionSetScores, ReindexQuestionSet } from '../contracts/reindex';
import { reindexQuestionSetSchema } from '../contracts/reindex';
import { readQuestionFile } from '../evaluation/question-file';
import type { CliContext } from './main';
import { VALUE, parseCommand, usageError } from './parse-command';

const USAGE = `Usage:
  memflow reindex start --model M [--target-version V] [--page-size N] [--throttle-ms N] [--retention-hours H]
                        [--questions FILE.jsonl --questions-tenant T [--recall-tolerance X]] [--json]
  memflow reindex status [--json]
  memflow reindex pause|resume|cancel|rollback <target_version>

  --questions FILE.jsonl  a retrieval question set (at most 500 questions; format: contracts/retrieval-questions.ts)
                          about the documents of tenant T: the validation gate scores the serving and the new
                          version on it and refuses the cutover when the new recall@5 is lower
  --recall-tolerance X    how much lower (0-1) the new recall@5 may be and still cut over (default 0)`;

/**
 * The question set of \`reindex start\`, read on the admin's side and checked with the saga's schema:
 * the saga gets the questions as data, never a path. Any problem is a usage error (exit 2) before
 * anything connects or starts.
 */
export function questionSetFromFlags(values: {
  questions?: string;
  'questions-tenant'?: string;
  'recall-tolerance'?: string;
}): ReindexQuestionSet | undefined {
  const file = values.questions;
  const tenant = values['questions-tenant'];
  const tolerance = values['recall-tolerance'];
  if (file === undefined && tenant === undefined && tolerance === undefined) return undefined;
  if (file === undefined || tenant === undefined) {
    throw usageError(USAGE, '--questions and --questions-tenant go together (and --recall-tolerance needs them).');
  }
  let questions;
  try {
    questions = readQuestionFile(path.resolve(file));
  } catch (err) {
    if (err instanceof MemflowError) throw usageError(USAGE, err.message);
    throw err;
  }
  const checked = checkInput(
    reindexQuestionSetSchema,
    {
      tenant,
      questions,
      ...(tolerance !== undefined
        ? { recallTolerance: /^\s*[\d.]+\s*$/.test(tolerance) ? Number(tolerance) : NaN }
        : {}),
    },
    `question set ${file}`,
  );
  if (!checked.ok) throw usageError(USAGE, checked.message);
  return checked.value;
}

function describeScores(s: QuestionSetScores): string {
  const kinds = Object.entries(s.recallAt5ByKind).map(([kind, r]) => `${kind} ${r.toFixed(3)}`);
  return `${s.recallAt5.toFixed(3)} on ${s.model}${kinds.length ? ` (${kinds.join(', ')})` : ''}`;
}

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
  const questionSet = (r.validation as { questionSet?: QuestionSetComparison } | null)?.questionSet;
  if (questionSet) {
    lines.push(
      `    question set (${questionSet.questions} questions, tenant ${questionSet.tenant}): recall@5 ${describeScores(questionSet.next)} vs ${describeScores(questionSet.previous)} · ${questionSet.passed ? 'passed' : 'refused'}`,
    );
  }
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
    questions: VALUE,
    'questions-tenant': VALUE,
    'recall-tolerance': VALUE,
  };
  const { values, positionals } = parseCommand(argv, flags, USAGE);
  const [sub, target] = positionals;
  // Read and checked before anything connects: a bad file or flag starts nothing.
  const questionSet = sub === 'start' ? questionSetFromFlags(values) : undefined;
  if (sub !== 'start' && (values.questions ?? values['questions-tenant'] ?? values['recall-tolerance']) !== undefined) {
    throw usageError(USAGE, '--questions, --questions-tenant and --recall-tolerance go with reindex start.');
  }
  if (sub === 'start' && !values.model) throw usageError(USAGE);
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
          ...(questionSet ? { questionSet } : {}),
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
