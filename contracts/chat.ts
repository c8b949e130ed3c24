import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { actorSchema, requestIdSchema, sessionIdSchema, tenantSchema } from './identifiers';
import type { ToolName, ToolPolicy } from './tool-policy';

/** Longest message accepted, in characters. Longer ones are rejected by the update validator. */
export const MAX_MESSAGE_CHARS = 4000;
export const MAX_FILTER_VALUES = 20;
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 60 * 60_000;

const filterValues = z.array(z.string().min(1).max(2048)).min(1).max(MAX_FILTER_VALUES);

/** Filters a caller may pass with a message; the tenant is never one of them (unknown keys are refused). */
export const messageFiltersSchema = z
  .object(
    { docIds: filterValues.optional(), sources: filterValues.optional() },
    {
      errorMap: (issue, ctx) =>
        issue.code === 'unrecognized_keys'
          ? { message: `Unknown filter field ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: docIds, sources` }
          : { message: ctx.defaultError },
    },
  )
  .strict();
export type MessageFilters = z.infer<typeof messageFiltersSchema>;

/** One user message: what the `sendMessage` update's validator accepts. */
export const sendMessageSchema = z
  .object({
    requestId: requestIdSchema,
    text: z
      .string({ required_error: 'text is required' })
      .refine((t) => t.trim() !== '', 'The message text is empty.')
      .refine(
        (t) => t.length <= MAX_MESSAGE_CHARS,
        (t) => ({
          message: `The message is ${t.length} characters; the limit is ${MAX_MESSAGE_CHARS}. Shorten it or split it.`,
        }),
      ),
    filters: messageFiltersSchema.optional(),
  })
  .strict();
export type SendMessageInput = z.infer<typeof sendMessageSchema>;

export interface Citation {
  marker: number;
  chunkId: string;
  docId: string;
  title: string;
  source: string;
  score: number;
}

export interface PlanSummary {
  intent: string;
  queries: string[];
  tool: string | null;
  planner: 'llm' | 'extractive';
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface ToolOutcome {
  name: ToolName;
  callId: string;
  /** `denied`: the tenant's policy forbids the tool; `rejected`: an approver said no. */
  status: 'ran' | 'rejected' | 'denied' | 'timed-out' | 'failed';
  policy: ToolPolicy;
  /** Who approved or rejected the call, and why (absent for `auto` tools). */
  decidedBy?: string;
  reason?: string;
  output?: string;
}

export interface TurnReply {
  requestId: string;
  answer: string;
  answerKind: 'llm' | 'extractive';
  citations: Citation[];
  plan: PlanSummary;
  /** The concrete collection the turn searched (pinned at its start). */
  indexVersion: string;
  usage: Usage;
  tool?: ToolOutcome;
}

export interface TurnRecord extends TurnReply {
  user: string;
  at: string;
}

export interface PendingApproval {
  /** Random (not derivable from the request), recorded when the call is proposed. */
  callId: string;
  requestId: string;
  tool: ToolName;
  input: string;
  requestedAt: string;
}

export interface SessionHistory {
  tenant: string;
  sessionId: string;
  turnCount: number;
  /** Compact memory of turns carried over continue-as-new (older than `turns`). */
  summary: string;
  turns: TurnRecord[];
  pendingApprovals: PendingApproval[];
  usage: Usage;
  /** How many runs this session has had (1 + continue-as-new count). */
  runs: number;
}

const usageSchema = z.object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) });

/**
 * State carried across continue-as-new. It arrives as workflow input like the rest, so it is
 * bounded too; the turns' inner shape is the session's own output.
 */
const sessionCarrySchema = z
  .object({
    summary: z.string().max(20_000),
    turns: z
      .array(z.object({ requestId: requestIdSchema, user: z.string(), answer: z.string() }).passthrough())
      .max(50),
    turnCount: z.number().int().min(0),
    usage: usageSchema,
    runs: z.number().int().min(1),
  })
  .strict();
export interface SessionCarry {
  summary: string;
  turns: TurnRecord[];
  turnCount: number;
  usage: Usage;
  runs: number;
}

/** What starts a chat session; the workflow parses its own input with it (other SDKs start sessions too). */
export const chatSessionInputSchema = z
  .object({
    tenant: tenantSchema,
    sessionId: sessionIdSchema,
    idleTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(7 * 24 * 3600_000)
      .optional(),
    approvalTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(7 * 24 * 3600_000)
      .optional(),
    /** Continue-as-new once history passes this many events (Temporal suggests it too). */
    maxHistoryEvents: z.number().int().min(50).max(40_000).optional(),
    /**
     * How the planner and executor LLM calls run. 'activity' (default): ordinary activities with
     * heartbeats, right for calls that may take minutes. 'local': local activities inside the turn's
     * workflow task, which saves two server round trips per turn, for LLMs that answer in seconds.
     * The Milvus and Postgres steps always run as local activities.
     */
    llmSteps: z.enum(['activity', 'local']).optional(),
    carry: sessionCarrySchema.optional(),
  })
  .strict();
export type ChatSessionInput = Omit<z.infer<typeof chatSessionInputSchema>, 'carry'> & { carry?: SessionCarry };
/** Session settings a caller may choose when its message starts the session. */
export type SessionOptions = Pick<
  ChatSessionInput,
  'idleTimeoutMs' | 'approvalTimeoutMs' | 'maxHistoryEvents' | 'llmSteps'
>;

export interface SessionEnd {
  reason: 'idle' | 'ended';
  turnCount: number;
}

/** An approver's answer to a pending tool call. Who decided, and why, go into history. */
export const toolDecisionSchema = z
  .object({
    callId: z.string().regex(/^[0-9a-f-]{36}$/, 'callId: the id a pending approval lists'),
    approved: z.boolean(),
    approver: actorSchema,
    reason: z.string().max(1000).optional(),
  })
  .strict();
export type ToolDecision = z.infer<typeof toolDecisionSchema>;

export const sendMessageUpdate = defineUpdate<TurnReply, [SendMessageInput]>('sendMessage');
/**
 * Approves or rejects a pending tool call. An update, not a signal: an unknown or already-decided
 * callId is rejected by its validator and the caller learns it; nothing is recorded then.
 */
export const decideToolUpdate = defineUpdate<void, [ToolDecision]>('decideTool');
export const historyQuery = defineQuery<SessionHistory>('history');
/**
 * @deprecated Decisions by signal, handled only by sessions started before the `decideTool`
 * update (patch `tool-policies-and-decision-update`); remove with that patch.
 */
export interface LegacyToolSignal {
  callId: string;
  reason?: string;
}
/** @deprecated see {@link LegacyToolSignal}. */
export const legacyApproveToolSignal = defineSignal<[LegacyToolSignal]>('approveTool');
/** @deprecated see {@link LegacyToolSignal}. */
export const legacyRejectToolSignal = defineSignal<[LegacyToolSignal]>('rejectTool');
export const endSessionSignal = defineSignal('endSession');

/** Readable in the Temporal UI. The session checks that its own id is this one. */
export function chatWorkflowId(tenant: string, sessionId: string): string {
  return `chat/${tenant}/${sessionId}`;
}
