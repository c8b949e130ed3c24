import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { MemflowConfig } from '../config/config';
import { loadConfig } from '../config/config';
import { MemflowError, typedFailure } from '../contracts/errors';
import { connectClient, workflowUrl } from '../adapters/temporal/connection';
import { createPool } from '../adapters/postgres/pool';
import { MemflowSession, MemflowTenant } from '../contracts/search-attributes';
import type { chatSession } from '../workflows/chat/chat-session';
import type { MessageFilters, SessionHistory, SessionOptions, ToolDecision, TurnReply } from '../contracts/chat';
import {
  chatSessionInputSchema,
  chatWorkflowId,
  decideToolUpdate,
  endSessionSignal,
  historyQuery,
  sendMessageSchema,
  sendMessageUpdate,
  toolDecisionSchema,
} from '../contracts/chat';
import { parseInput, sessionIdSchema, tenantSchema } from '../contracts/identifiers';
import type { StartedIngest, StartIngestOptions } from './ingest';
import { startIngest } from './ingest';
import type { SearchOptions, SearchReply } from './search';
import { searchIndex } from './search';
import { isTemporalUnreachable, isWorkflowNotReady } from './wait-for-result';

export interface ChatOptions {
  /** Idempotency key: the same requestId always gets the same reply, and runs one turn. Default: a new UUID. */
  requestId?: string;
  filters?: MessageFilters;
  /** Session settings, used only when this call starts the session. */
  session?: SessionOptions;
  /**
   * How long to keep sending the message while Temporal is unreachable (a restart) or the session
   * waits for a worker (its workflow task is being retried): the same update is sent again, so the
   * turn runs once and its reply comes back. Default 2 min.
   */
  patienceMs?: number;
  /** Told once when Temporal becomes unreachable and the call keeps waiting (the CLI prints it). */
  onWait?: (line: string) => void;
}

/** Who decides a tool call, and why: recorded in the session's history. */
export type Decider = Pick<ToolDecision, 'approver' | 'reason'>;

export interface ChatResult extends TurnReply {
  workflowId: string;
  url: string;
}

/** Continue-as-new can close a run while an update is on its way; the next run then takes it. */
const ATTEMPTS_ACROSS_RUNS = 5;

/** The typed failure on the cause chain as a MemflowError with its code; anything else unchanged. */
function typedError(err: unknown): unknown {
  const typed = typedFailure(err);
  return typed ? new MemflowError(typed.code, typed.message, { cause: err }) : err;
}

/** The run closed (continue-as-new, idle end) between accepting the start and taking the update. */
function isClosedRun(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof WorkflowNotFoundError) return true;
  return false;
}

/**
 * The typed client backend services use. Each `chat` call starts the tenant's session workflow
 * if it is not running (or reuses it) and sends the message as an Update, in one round trip.
 */
export class MemflowClient {
  /** Where ingestion stages local files; opened on the first ingest. */
  private stagingPool?: Pool;

  constructor(
    readonly temporal: Client,
    readonly config: MemflowConfig,
  ) {}

  /** Connects with the given (or the environment's) configuration. */
  static async connect(config: MemflowConfig = loadConfig()): Promise<MemflowClient> {
    return new MemflowClient(await connectClient(config), config);
  }

  async close(): Promise<void> {
    await Promise.all([this.temporal.connection.close(), this.stagingPool?.end()]);
  }

  /**
   * Starts an ingestion run (`startIngest`): local files are read here and staged in PostgreSQL,
   * or `corpus` names files under a root configured on the worker. Await `handle.result()` for the
   * run's summary.
   */
  ingest(options: StartIngestOptions): Promise<StartedIngest> {
    this.stagingPool ??= createPool(this.config.postgres.url, 2);
    return startIngest(this.temporal, this.config, this.stagingPool, options);
  }

  /**
   * Runs the retriever exactly as a chat turn runs it, for one query of `tenant`: the passages a
   * turn would get (`limit`, default 6, at most 50) with their scores and where each stood in the
   * dense and BM25 legs. A bad tenant, query or limit is `INVALID_INPUT` and starts nothing.
   */
  search(tenant: string, query: string, options: SearchOptions & { limit?: number } = {}): Promise<SearchReply> {
    const { limit, ...rest } = options;
    return searchIndex(this.temporal, this.config, { tenant, query, ...(limit === undefined ? {} : { limit }) }, rest);
  }

  /**
   * Sends one user message and returns the answer with citations. The session's input and the
   * message are checked with the schemas the workflow itself applies, so a bad one starts nothing.
   */
  async chat(tenant: string, sessionId: string, text: string, options: ChatOptions = {}): Promise<ChatResult> {
    const sessionInput = parseInput(
      chatSessionInputSchema.omit({ carry: true }),
      { tenant, sessionId, ...options.session },
      'session',
    );
    const message = parseInput(
      sendMessageSchema,
      {
        requestId: options.requestId ?? crypto.randomUUID(),
        text,
        ...(options.filters ? { filters: options.filters } : {}),
      },
      'message',
    );
    const requestId = message.requestId;
    const workflowId = chatWorkflowId(tenant, sessionId);
    // Temporal keeps an update's outcome by its id, failures too: were the id the requestId, a turn
    // that failed (TURN_FAILED, retryable) could never be sent again. One id per call, so this
    // call's re-sends (a Temporal restart) get one outcome; the session itself runs one turn per
    // requestId and hands a finished one's reply to any later call.
    const updateId = `${requestId}/${crypto.randomUUID()}`;
    const patienceMs = options.patienceMs ?? 2 * 60_000;
    let waitingSince: number | undefined;
    const told = new Set<boolean>();
    let delay = 500;
    for (let attempt = 1; ; attempt++) {
      const start = new WithStartWorkflowOperation<typeof chatSession>('chatSession', {
        workflowId,
        taskQueue: this.config.temporal.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [sessionInput],
        typedSearchAttributes: [
          { key: MemflowTenant, value: tenant },
          { key: MemflowSession, value: sessionId },
        ],
        memo: { tenant, sessionId },
      });
      try {
        const reply = await this.temporal.workflow.executeUpdateWithStart(sendMessageUpdate, {
          args: [message],
          updateId,
          startWorkflowOperation: start,
        });
        return { ...reply, workflowId, url: workflowUrl(this.config, workflowId) };
      } catch (err) {
        if (typedFailure(err)) throw typedError(err);
        const unreachable = isTemporalUnreachable(err);
        if (unreachable || isWorkflowNotReady(err)) {
          // Nothing was lost: the turn may be running (or done) in the server, or the server admits
          // no update while a worker restart leaves the session's workflow task being retried. This
          // call's update id, sent again, gets the turn's one reply, never a second turn.
          waitingSince ??= Date.now();
          if (Date.now() - waitingSince > patienceMs) {
            throw new MemflowError(
              'SERVICE_UNHEALTHY',
              `${unreachable ? `Temporal at ${this.config.temporal.address} has been unreachable` : `Session ${workflowId} has had no worker to take its message`} for ${Math.round(patienceMs / 1000)} s. ` +
                `The turn for request ${requestId} may still run: send the same message with requestId ${requestId} ` +
                '(`memflow chat --request-id`) once it is back to get its one reply.',
              { cause: err },
            );
          }
          if (!told.has(unreachable)) {
            told.add(unreachable);
            options.onWait?.(
              unreachable
                ? `Temporal is unreachable; sending request ${requestId} again when it is back (it runs once).`
                : `Session ${workflowId} is waiting for a worker (one restarted); sending request ${requestId} again (it runs once).`,
            );
          }
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 5_000);
          attempt--; // not a closed run
          continue;
        }
        if (!isClosedRun(err) || attempt >= ATTEMPTS_ACROSS_RUNS) throw err;
      }
    }
  }

  private session(tenant: string, sessionId: string) {
    return this.temporal.workflow.getHandle(
      chatWorkflowId(parseInput(tenantSchema, tenant, 'tenant'), parseInput(sessionIdSchema, sessionId, 'sessionId')),
    );
  }

  /** Turns, summary, pending tool approvals and usage of a session. */
  history(tenant: string, sessionId: string): Promise<SessionHistory> {
    return this.session(tenant, sessionId).query(historyQuery);
  }

  /**
   * Decides a pending tool call; the approver and reason are recorded in the session's history.
   * Rejected with `INVALID_INPUT` when no such call is waiting (unknown, early or already decided).
   */
  async decideTool(tenant: string, sessionId: string, decision: ToolDecision): Promise<void> {
    const valid = parseInput(toolDecisionSchema, decision, 'tool decision');
    try {
      await this.session(tenant, sessionId).executeUpdate(decideToolUpdate, { args: [valid] });
    } catch (err) {
      throw typedError(err);
    }
  }

  /** Approves a pending tool call as `approver`. */
  approveTool(tenant: string, sessionId: string, callId: string, by: Decider): Promise<void> {
    return this.decideTool(tenant, sessionId, { callId, approved: true, ...by });
  }

  /** Rejects a pending tool call as `approver`; the turn answers without the tool. */
  rejectTool(tenant: string, sessionId: string, callId: string, by: Decider): Promise<void> {
    return this.decideTool(tenant, sessionId, { callId, approved: false, ...by });
  }

  endSession(tenant: string, sessionId: string): Promise<void> {
    return this.session(tenant, sessionId).signal(endSessionSignal);
  }
}
