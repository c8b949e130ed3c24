import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import type { PinnedIndex } from '../../activities/chat/pin-index';
import { failure, rootMessage } from '../../contracts/errors';
import { MemflowIndexVersion } from '../../contracts/search-attributes';
import type {
  ChatSessionInput,
  PendingApproval,
  SendMessageInput,
  SessionEnd,
  SessionHistory,
  LegacyToolSignal,
  ToolDecision,
  ToolOutcome,
  TurnRecord,
  TurnReply,
  Usage,
} from '../../contracts/chat';
import {
  DEFAULT_APPROVAL_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  chatSessionInputSchema,
  chatWorkflowId,
  decideToolUpdate,
  endSessionSignal,
  historyQuery,
  legacyApproveToolSignal,
  legacyRejectToolSignal,
  sendMessageSchema,
  sendMessageUpdate,
  toolDecisionSchema,
} from '../../contracts/chat';
import { llm, localLlm, localStores, tools } from './step-proxies';
import type { ToolName } from '../../contracts/tool-policy';
import { TOOLS } from '../../contracts/tool-policy';
import { parseWorkflowInput } from '../../contracts/identifiers';
import { markSession } from './mark-session';

/** Turns kept verbatim in memory (and in `history`); older ones are folded into the summary. */
const RECENT_TURNS = 6;
const DEFAULT_MAX_HISTORY_EVENTS = 2000;

/**
 * One chat session: an entity workflow that answers each `sendMessage` update with one durable
 * planner → retriever → executor turn. Turns run one at a time; a repeated requestId gets the
 * reply already given. Long sessions continue-as-new with a summary and the last turns.
 */
export async function chatSession(rawInput: ChatSessionInput): Promise<SessionEnd> {
  // Other SDKs and the `temporal` CLI start sessions too: nothing runs before the input is valid.
  const input = parseWorkflowInput(chatSessionInputSchema, rawInput, 'chatSession input') as ChatSessionInput;
  const expectedId = chatWorkflowId(input.tenant, input.sessionId);
  if (workflowInfo().workflowId !== expectedId) {
    throw failure(
      'INVALID_INPUT',
      `A chat session for tenant ${input.tenant} and session ${input.sessionId} must run as ${expectedId}, not ${workflowInfo().workflowId}.`,
    );
  }
  markSession(input.tenant, input.sessionId);
  // Runs started before tool policies and the decideTool update: default policies, callIds from
  // the request, and decisions by signal (CONTRIBUTING.md, Changing a workflow).
  const toolPolicies = patched('tool-policies-and-decision-update');
  const carry = input.carry;
  const idleTimeoutMs = input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  let summary = carry?.summary ?? '';
  const turns: TurnRecord[] = [...(carry?.turns ?? [])];
  let turnCount = carry?.turnCount ?? 0;
  const usage: Usage = { ...(carry?.usage ?? { promptTokens: 0, completionTokens: 0 }) };
  const runs = (carry?.runs ?? 0) + 1;
  const inFlight = new Map<string, Promise<TurnReply>>();
  const pending = new Map<string, PendingApproval>();
  const decisions = new Map<string, ToolDecision>();
  /** Turns run one at a time, in arrival order. */
  const turnLock = new Mutex();
  let ended = false;
  let lastActivity = Date.now();
  let indexVersion = workflowInfo().typedSearchAttributes.get(MemflowIndexVersion);

  const recent = () => turns.slice(-RECENT_TURNS).map((t) => ({ user: t.user, assistant: t.answer }));
  const replyFor = (requestId: string) => turns.find((t) => t.requestId === requestId);

  /**
   * Runs a tool the plan asked for, as the tenant's policy says: at once (`auto`), after a person's
   * decision (`approve`: the call waits durably with a random callId, recorded when proposed), or
   * never (`deny`).
   */
  async function runToolCall(requestId: string, name: ToolName, toolInput: string): Promise<ToolOutcome> {
    const callId = toolPolicies ? uuid4() : `${requestId}:${name}`;
    const { policy } = toolPolicies
      ? await localStores.resolveToolPolicy({ tenant: input.tenant, tool: name })
      : { policy: TOOLS[name].defaultPolicy };
    if (policy === 'deny') return { name, callId, policy, status: 'denied' };
    let decision: ToolDecision | undefined;
    if (policy === 'approve') {
      pending.set(callId, { callId, requestId, tool: name, input: toolInput, requestedAt: new Date().toISOString() });
      const decided = await condition(
        () => decisions.has(callId),
        input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      );
      pending.delete(callId);
      if (!decided) return { name, callId, policy, status: 'timed-out' };
      decision = decisions.get(callId)!;
    }
    const decidedBy = decision
      ? { decidedBy: decision.approver, ...(decision.reason ? { reason: decision.reason } : {}) }
      : {};
    if (decision && !decision.approved) return { name, callId, policy, status: 'rejected', ...decidedBy };
    try {
      const { output } = await tools.runTool({ tenant: input.tenant, name, input: toolInput });
      return { name, callId, policy, status: 'ran', ...decidedBy, output };
    } catch (err) {
      return { name, callId, policy, status: 'failed', ...decidedBy, output: rootMessage(err) };
    }
  }

  /** The search attribute names the collection the session's last turn searched; upserted when it changes. */
  function noteIndexVersion(index: PinnedIndex): void {
    if (index.collection === indexVersion) return;
    upsertSearchAttributes([{ key: MemflowIndexVersion, value: index.collection }]);
    indexVersion = index.collection;
  }

  /**
   * One turn: plan, retrieve (the retriever pins the live collection: the turn's only search, so a
   * cutover cannot mix versions in it), an optional tool, execute, remember. The Milvus and
   * Postgres steps are local activities; the LLM steps are ordinary activities unless the session
   * asked for `llmSteps: 'local'`.
   */
  async function runTurn(message: SendMessageInput): Promise<TurnReply> {
    const llmSteps = input.llmSteps === 'local' ? localLlm : llm;
    const planned = await llmSteps.planTurn({ text: message.text, summary, recent: recent() });
    const plan = planned.plan;
    const { index, passages, memories } =
      plan.queries.length > 0
        ? await localStores.retrieveChunks({
            tenant: input.tenant,
            queries: plan.queries,
            filters: message.filters,
            planSources: plan.filters.sources,
          })
        : { index: await localStores.pinIndex(), passages: [], memories: [] };
    noteIndexVersion(index);
    const tool = plan.tool ? await runToolCall(message.requestId, plan.tool.name, plan.tool.input) : undefined;
    const written = await llmSteps.writeAnswer({
      tenant: input.tenant,
      question: message.text,
      passages,
      memories,
      tool,
      summary,
      recent: recent(),
    });
    if (plan.remember.length > 0) {
      await localStores.storeMemories({
        tenant: input.tenant,
        sessionId: input.sessionId,
        requestId: message.requestId,
        userText: message.text,
        facts: plan.remember,
      });
    }
    const reply: TurnReply = {
      requestId: message.requestId,
      answer: written.answer,
      answerKind: written.answerKind,
      citations: written.citations,
      plan: { intent: plan.intent, queries: plan.queries, tool: plan.tool?.name ?? null, planner: plan.planner },
      indexVersion: index.collection,
      usage: {
        promptTokens: planned.usage.promptTokens + written.usage.promptTokens,
        completionTokens: planned.usage.completionTokens + written.usage.completionTokens,
      },
      ...(tool ? { tool } : {}),
    };
    turns.push({ ...reply, user: message.text, at: new Date().toISOString() });
    turnCount += 1;
    usage.promptTokens += reply.usage.promptTokens;
    usage.completionTokens += reply.usage.completionTokens;
    return reply;
  }

  setHandler(
    sendMessageUpdate,
    async (message) => {
      lastActivity = Date.now();
      const done = replyFor(message.requestId);
      if (done) return stripRecord(done);
      let turn = inFlight.get(message.requestId);
      if (!turn) {
        turn = turnLock.runExclusive(() => {
          const raced = replyFor(message.requestId);
          return raced ? Promise.resolve(stripRecord(raced)) : runTurn(message);
        });
        inFlight.set(message.requestId, turn);
      }
      try {
        return await turn;
      } catch (err) {
        // The session stays usable: the failed turn recorded nothing, and the caller may retry it.
        throw failure('TURN_FAILED', `The turn for request ${message.requestId} failed: ${rootMessage(err)}`);
      } finally {
        inFlight.delete(message.requestId);
        lastActivity = Date.now();
      }
    },
    { validator: (message) => void parseWorkflowInput(sendMessageSchema, message, 'sendMessage') },
  );

  setHandler(historyQuery, (): SessionHistory => ({
    tenant: input.tenant,
    sessionId: input.sessionId,
    turnCount,
    summary,
    turns,
    pendingApprovals: [...pending.values()],
    usage,
    runs,
  }));
  setHandler(
    decideToolUpdate,
    (decision) => {
      decisions.set(decision.callId, decision);
    },
    {
      // A decision for a call that is not waiting (unknown, made up, early, or already decided) is
      // refused before anything is recorded, and the caller learns it.
      validator: (raw) => {
        const decision = parseWorkflowInput(toolDecisionSchema, raw, 'decideTool');
        if (!pending.has(decision.callId) || decisions.has(decision.callId)) {
          throw failure(
            'INVALID_INPUT',
            `No tool call ${decision.callId} is waiting for a decision in this session (see pendingApprovals in its history).`,
          );
        }
      },
    },
  );
  if (!toolPolicies) {
    const legacyDecision = (approved: boolean) => (signal: LegacyToolSignal) =>
      void decisions.set(signal.callId, {
        callId: signal.callId,
        approved,
        approver: 'unrecorded (signal)',
        ...(signal.reason ? { reason: signal.reason } : {}),
      });
    setHandler(legacyApproveToolSignal, legacyDecision(true));
    setHandler(legacyRejectToolSignal, legacyDecision(false));
  }
  setHandler(endSessionSignal, () => {
    ended = true;
  });

  const historyIsLong = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > maxHistoryEvents;
  };

  for (;;) {
    const idleLeft = idleTimeoutMs - (Date.now() - lastActivity);
    const woke = await condition(() => ended || (historyIsLong() && !turnLock.isLocked()), Math.max(idleLeft, 1));
    if (ended) break;
    if (!woke) {
      if (!turnLock.isLocked() && inFlight.size === 0 && Date.now() - lastActivity >= idleTimeoutMs) {
        await condition(allHandlersFinished);
        return { reason: 'idle', turnCount };
      }
      continue;
    }
    // Fold all but the last turns into the summary, let admitted handlers finish, then start afresh.
    await condition(allHandlersFinished);
    const older = turns.slice(0, -RECENT_TURNS);
    if (older.length > 0) {
      ({ summary } = await llm.summarizeSession({
        summary,
        turns: older.map((t) => ({ user: t.user, assistant: t.answer })),
      }));
    }
    await condition(allHandlersFinished);
    await continueAsNew<typeof chatSession>({
      ...input,
      carry: { summary, turns: turns.slice(-RECENT_TURNS), turnCount, usage, runs },
    });
  }
  await condition(allHandlersFinished);
  return { reason: 'ended', turnCount };
}

function stripRecord(record: TurnRecord): TurnReply {
  const { user: _user, at: _at, ...reply } = record;
  return reply;
}
