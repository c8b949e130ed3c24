import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { PinnedIndex } from '../../activities/chat/pin-index';
import { MemflowIndexVersion } from '../../contracts/search-attributes';
import type {
  ChatSessionInput,
  PendingApproval,
  SendMessageInput,
  SessionEnd,
  SessionHistory,
  ToolOutcome,
  TurnRecord,
  TurnReply,
  Usage,
} from '../../contracts/chat';
import {
  DEFAULT_APPROVAL_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  approveToolSignal,
  endSessionSignal,
  historyQuery,
  rejectToolSignal,
  sendMessageUpdate,
} from '../../contracts/chat';
import { llm, localLlm, localStores, stores, tools } from './step-proxies';
import { validateMessage } from './validate-message';
import { TOOL_POLICIES } from '../../contracts/tool-policy';
import { TurnLock } from './turn-lock';

/** Turns kept verbatim in memory (and in `history`); older ones are folded into the summary. */
const RECENT_TURNS = 6;
const DEFAULT_MAX_HISTORY_EVENTS = 2000;

/**
 * One chat session: an entity workflow that answers each `sendMessage` update with one durable
 * planner → retriever → executor turn. Turns run one at a time; a repeated requestId gets the
 * reply already given. Long sessions continue-as-new with a summary and the last turns.
 */
export async function chatSession(input: ChatSessionInput): Promise<SessionEnd> {
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
  const decisions = new Map<string, { approved: boolean; reason?: string }>();
  const lock = new TurnLock();
  let ended = false;
  let lastActivity = Date.now();
  let indexVersion = workflowInfo().typedSearchAttributes.get(MemflowIndexVersion);

  const recent = () => turns.slice(-RECENT_TURNS).map((t) => ({ user: t.user, assistant: t.answer }));
  const replyFor = (requestId: string) => turns.find((t) => t.requestId === requestId);

  async function decideTool(
    requestId: string,
    name: keyof typeof TOOL_POLICIES,
    toolInput: string,
  ): Promise<ToolOutcome> {
    const callId = `${requestId}:${name}`;
    if (TOOL_POLICIES[name].requiresApproval) {
      pending.set(callId, { callId, requestId, tool: name, input: toolInput, requestedAt: new Date().toISOString() });
      const decided = await condition(
        () => decisions.has(callId),
        input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      );
      pending.delete(callId);
      if (!decided) return { name, callId, status: 'timed-out' };
      if (!decisions.get(callId)!.approved)
        return { name, callId, status: 'rejected', output: decisions.get(callId)!.reason };
    }
    try {
      const { output } = await tools.runTool({ tenant: input.tenant, name, input: toolInput });
      return { name, callId, status: 'ran', output };
    } catch (err) {
      const message =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      return { name, callId, status: 'failed', output: message };
    }
  }

  type Planned = Awaited<ReturnType<Activities['planTurn']>>;
  /** The step proxies of one turn, chosen once per turn from the session's patches and options. */
  interface TurnSteps {
    local: boolean;
    storeSteps: typeof stores | typeof localStores;
    llmSteps: typeof llm | typeof localLlm;
  }
  type Retrieved = Omit<Awaited<ReturnType<Activities['retrieveChunks']>>, 'index'>;
  const NOTHING_RETRIEVED: Retrieved = { passages: [], memories: [], cache: { hits: 0, misses: 0, hitRate: 0 } };

  /**
   * Plans, pins the live collection and retrieves. Sessions run it the newest way their history
   * allows (the `patched` calls keep older histories replaying as they ran): ordinary activities
   * pinning first; then the store steps as local activities, pinning beside the planner; now the
   * planner first and the pin inside `retrieveChunks` (one step fewer: a local activity per turn
   * less, and a default session's planner no longer waits for the pin before it is scheduled).
   */
  async function planAndRetrieve(
    message: SendMessageInput,
    { local, storeSteps, llmSteps }: TurnSteps,
  ): Promise<{ index: PinnedIndex; planned: Planned; retrieved: Retrieved; pinnedInRetrieve: boolean }> {
    const planInput = { text: message.text, summary, recent: recent() };
    const retrieveInput = (plan: Planned['plan']) => ({
      tenant: input.tenant,
      queries: plan.queries,
      filters: message.filters,
      planSources: plan.filters.sources,
    });
    if (local && patched('pin-in-retrieve')) {
      const planned = await llmSteps.planTurn(planInput);
      if (planned.plan.queries.length === 0) {
        return { index: await storeSteps.pinIndex(), planned, retrieved: NOTHING_RETRIEVED, pinnedInRetrieve: true };
      }
      const { index, ...retrieved } = await storeSteps.retrieveChunks(retrieveInput(planned.plan));
      return { index, planned, retrieved, pinnedInRetrieve: true };
    }
    let index: PinnedIndex;
    let planned: Planned | undefined;
    if (local) {
      // The planner does not need the index: pin while it plans, one step off the critical path.
      [index, planned] = await Promise.all([storeSteps.pinIndex(), llmSteps.planTurn(planInput)]);
    } else {
      index = await storeSteps.pinIndex();
    }
    updateIndexVersion(index);
    planned ??= await llmSteps.planTurn(planInput);
    if (planned.plan.queries.length === 0)
      return { index, planned, retrieved: NOTHING_RETRIEVED, pinnedInRetrieve: false };
    const { index: _searched, ...retrieved } = await storeSteps.retrieveChunks({
      ...retrieveInput(planned.plan),
      index,
    });
    return { index, planned, retrieved, pinnedInRetrieve: false };
  }

  function updateIndexVersion(index: PinnedIndex): void {
    // Sessions started before this patch upserted on every turn; their histories replay that way.
    if (!patched('index-version-attribute-on-change') || index.collection !== indexVersion) {
      upsertSearchAttributes([{ key: MemflowIndexVersion, value: index.collection }]);
      indexVersion = index.collection;
    }
  }

  async function runTurn(message: SendMessageInput): Promise<TurnReply> {
    // Sessions started before this patch ran every step as an ordinary activity, pinning first.
    const local = patched('turn-steps-as-local-activities');
    const steps: TurnSteps = {
      local,
      storeSteps: local ? localStores : stores,
      llmSteps: local && input.llmSteps === 'local' ? localLlm : llm,
    };
    const { index, planned, retrieved, pinnedInRetrieve } = await planAndRetrieve(message, steps);
    if (pinnedInRetrieve) updateIndexVersion(index);
    const plan = planned.plan;
    const tool = plan.tool ? await decideTool(message.requestId, plan.tool.name, plan.tool.input) : undefined;
    const written = await steps.llmSteps.writeAnswer({
      tenant: input.tenant,
      question: message.text,
      passages: retrieved.passages,
      memories: retrieved.memories,
      tool,
      summary,
      recent: recent(),
    });
    if (plan.remember.length > 0) {
      await steps.storeSteps.storeMemories({
        tenant: input.tenant,
        sessionId: input.sessionId,
        requestId: message.requestId,
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
        turn = lock.run(() => {
          const raced = replyFor(message.requestId);
          return raced ? Promise.resolve(stripRecord(raced)) : runTurn(message);
        });
        inFlight.set(message.requestId, turn);
      }
      try {
        return await turn;
      } catch (err) {
        // The session stays usable: the failed turn recorded nothing, and the caller may retry it.
        throw ApplicationFailure.create({
          type: 'TurnFailed',
          message: `The turn for request ${message.requestId} failed: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`,
          nonRetryable: true,
        });
      } finally {
        inFlight.delete(message.requestId);
        lastActivity = Date.now();
      }
    },
    { validator: validateMessage },
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
  setHandler(approveToolSignal, ({ callId }) => void decisions.set(callId, { approved: true }));
  setHandler(rejectToolSignal, ({ callId, reason }) => void decisions.set(callId, { approved: false, reason }));
  setHandler(endSessionSignal, () => {
    ended = true;
  });

  const historyIsLong = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > maxHistoryEvents;
  };

  for (;;) {
    const idleLeft = idleTimeoutMs - (Date.now() - lastActivity);
    const woke = await condition(() => ended || (historyIsLong() && lock.idle), Math.max(idleLeft, 1));
    if (ended) break;
    if (!woke) {
      if (lock.idle && inFlight.size === 0 && Date.now() - lastActivity >= idleTimeoutMs) {
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
