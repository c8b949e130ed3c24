import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Longest message accepted, in characters. Longer ones are rejected by the update validator. */
export const MAX_MESSAGE_CHARS = 4000;
export const MAX_FILTER_VALUES = 20;
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 60 * 60_000;

/** Filters a caller may pass with a message; the tenant is never one of them. */
export interface MessageFilters {
  docIds?: string[];
  sources?: string[];
}
export const FILTER_FIELDS: (keyof MessageFilters)[] = ['docIds', 'sources'];

export interface SendMessageInput {
  requestId: string;
  text: string;
  filters?: MessageFilters;
}

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
  name: string;
  callId: string;
  status: 'ran' | 'rejected' | 'timed-out' | 'failed';
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
  callId: string;
  requestId: string;
  tool: string;
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

/** State carried across continue-as-new. */
export interface SessionCarry {
  summary: string;
  turns: TurnRecord[];
  turnCount: number;
  usage: Usage;
  runs: number;
}

export interface ChatSessionInput {
  tenant: string;
  sessionId: string;
  idleTimeoutMs?: number;
  approvalTimeoutMs?: number;
  /** Continue-as-new once history passes this many events (Temporal suggests it too). */
  maxHistoryEvents?: number;
  /**
   * How the planner and executor LLM calls run. 'activity' (default): ordinary activities with
   * heartbeats, right for calls that may take minutes. 'local': local activities inside the turn's
   * workflow task, which saves two server round trips per turn, for LLMs that answer in seconds.
   * The Milvus and Postgres steps always run as local activities.
   */
  llmSteps?: 'activity' | 'local';
  carry?: SessionCarry;
}

export interface SessionEnd {
  reason: 'idle' | 'ended';
  turnCount: number;
}

export interface ToolDecision {
  callId: string;
  reason?: string;
}

export const sendMessageUpdate = defineUpdate<TurnReply, [SendMessageInput]>('sendMessage');
export const historyQuery = defineQuery<SessionHistory>('history');
export const approveToolSignal = defineSignal<[ToolDecision]>('approveTool');
export const rejectToolSignal = defineSignal<[ToolDecision]>('rejectTool');
export const endSessionSignal = defineSignal('endSession');

/** Readable in the Temporal UI. */
export function chatWorkflowId(tenant: string, sessionId: string): string {
  return `chat/${tenant}/${sessionId}`;
}
