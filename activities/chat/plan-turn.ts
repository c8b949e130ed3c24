import { z } from 'zod';
import { MemflowError } from '../../contracts/errors';
import { MIN_FORGET_SCOPE_CHARS, toolInputSchema, toolNameSchema } from '../../contracts/tool-policy';
import type { Usage } from '../../contracts/chat';
import { extractivePlan } from '../../adapters/llm/extractive-planner';
import type { ChatDeps } from './chat-deps';
import { heartbeatWhile } from './heartbeat-while';

/**
 * The planner's output, validated. `filters` may narrow by source only: the tenant is enforced by
 * the retriever's code, and `.strict()` refuses any other key (a plan naming a tenant is invalid).
 */
export const planSchema = z
  .object({
    intent: z.enum(['search', 'chitchat', 'tool']),
    queries: z.array(z.string().trim().min(1).max(500)).max(4),
    filters: z
      .object({ sources: z.array(z.string().min(1)).max(20).optional() })
      .strict()
      .default({}),
    tool: z
      .object({ name: toolNameSchema, input: toolInputSchema })
      .refine((t) => t.name !== 'forget_memories' || t.input.length >= MIN_FORGET_SCOPE_CHARS, {
        message: 'forget_memories needs what to forget',
      })
      .nullable()
      .default(null),
    remember: z.array(z.string().trim().min(3).max(300)).max(5).default([]),
  })
  .strict();

export type TurnPlan = z.infer<typeof planSchema> & { planner: 'llm' | 'extractive' };

export interface PlanTurnInput {
  text: string;
  summary: string;
  recent: { user: string; assistant: string }[];
}

const PLANNER_PROMPT = `You are the planner of a retrieval-augmented assistant. Reply with one JSON object only:
{"intent": "search" | "chitchat" | "tool",
 "queries": [up to 4 short search queries that find passages answering the user; [] for chitchat],
 "filters": {"sources": [document paths to restrict the search to, only if the user names them]} or {},
 "tool": null or {"name": "calculator", "input": "<arithmetic expression>"} or {"name": "forget_memories", "input": "<what to forget>"},
 "remember": [durable facts about the user worth remembering in later sessions, e.g. "The user's name is Ada"; usually []]}`;

const REMEMBER = /^(?:please\s+)?remember(?:\s+that)?\s+(.+)$/i;
const ARITHMETIC = /^(?:what(?:'s| is)\s+|calculate\s+|compute\s+)?([-+*/().\d\s^%]+)\??$/i;

/** The offline planner: a search for the question, plus two rules a person can predict. */
function offlinePlan(text: string): TurnPlan {
  const plan: TurnPlan = { ...extractivePlan(text), filters: {}, tool: null, remember: [] };
  const remember = REMEMBER.exec(text.trim());
  if (remember) plan.remember = [remember[1]!.replace(/[.!]+$/, '')];
  const arithmetic = ARITHMETIC.exec(text.trim());
  if (arithmetic && /\d/.test(arithmetic[1]!) && /[-+*/^%]/.test(arithmetic[1]!)) {
    return { ...plan, intent: 'tool', queries: [], tool: { name: 'calculator', input: arithmetic[1]!.trim() } };
  }
  return plan;
}

export async function planTurn(deps: ChatDeps, input: PlanTurnInput): Promise<{ plan: TurnPlan; usage: Usage }> {
  if (!deps.llm) return { plan: offlinePlan(input.text), usage: { promptTokens: 0, completionTokens: 0 } };
  const llm = deps.llm;
  const context = [
    input.summary ? `Conversation so far (summary): ${input.summary}` : '',
    ...input.recent.map((t) => `User: ${t.user}\nAssistant: ${t.assistant}`),
  ]
    .filter(Boolean)
    .join('\n\n');
  const completion = await heartbeatWhile((signal) =>
    llm.complete({
      json: true,
      temperature: 0,
      maxTokens: 400,
      signal,
      messages: [
        { role: 'system', content: PLANNER_PROMPT },
        ...(context ? [{ role: 'user' as const, content: `Context:\n${context}` }] : []),
        { role: 'user', content: input.text },
      ],
    }),
  );
  const parsed = planSchema.safeParse(completion.json);
  if (!parsed.success) {
    // Retryable: a model often produces a valid plan on the next attempt; the workflow bounds attempts.
    throw new MemflowError(
      'INVALID_PLAN',
      `The planner returned an invalid plan: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { plan: { ...parsed.data, planner: 'llm' }, usage: completion.usage };
}
