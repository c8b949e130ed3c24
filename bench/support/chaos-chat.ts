/**
 * The chaos benchmark's chat load: every session is a closed loop (send a turn, wait for its
 * answer, think, send the next) through the product's `MemflowClient.chat`, each turn with an
 * explicit requestId. A turn that fails with a retryable error during an outage is sent again with
 * the SAME requestId until it is answered or the deadline passes; every attempt and retry is
 * counted. Some turns ask for another tenant's access code (a standing cross-tenant probe).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemflowClient } from '../../client/memflow-client';
import { errorMessage } from '../../contracts/errors';
import type { TenantNotes } from './chaos-documents';
import { ownQuestion, probeQuestion } from './chaos-documents';
import type { RetryStats } from './chaos-retry';
import { retryUntil } from './chaos-retry';
import { seededRandom } from './synthetic-vectors';

export interface ChatTurnLog extends RetryStats {
  requestId: string;
  text: string;
  /** The tenant whose access code the turn asks for, when it is a cross-tenant probe. */
  probeOf?: string;
  /** Seconds since the start of the soak. */
  sentAt: number;
  answeredAt?: number;
  reply?: { answer: string; citations: { chunkId: string; docId: string; source: string }[]; indexVersion: string };
  /** Why it was never answered: a non-retryable error, or the last error before the deadline. */
  error?: string;
}

export interface ChatSessionLog {
  tenant: string;
  sessionId: string;
  /** In the order sent; one turn at a time, so also the order the session ran them. */
  turns: ChatTurnLog[];
}

export interface ChatLoadOptions {
  tenants: TenantNotes[];
  sessionsPerTenant: number;
  /** Mean pause between a session's answer and its next turn (uniform in ±50 %). */
  thinkMs: number;
  /** Share of turns that ask for another tenant's access code. */
  probeShare: number;
  seed: number;
  runId: string;
  /** Epoch ms after which an unanswered turn is given up. */
  deadline: number;
  /** Longest one attempt may take before it is sent again. */
  attemptMs: number;
  /** Seconds since the start of the soak. */
  clock: () => number;
}

export interface ChatLoad {
  sessions: ChatSessionLog[];
  /** No new turns; turns in flight go on until answered or the deadline. Resolves when all are done. */
  stop(): Promise<void>;
}

/** Sends `turn` until it is answered (same requestId every time) and records the reply or the error. */
async function sendTurn(
  client: MemflowClient,
  session: ChatSessionLog,
  turn: ChatTurnLog,
  options: Pick<ChatLoadOptions, 'deadline' | 'attemptMs' | 'clock'>,
): Promise<void> {
  session.turns.push(turn);
  try {
    const reply = await retryUntil(
      () => client.chat(session.tenant, session.sessionId, turn.text, { requestId: turn.requestId }),
      { deadline: options.deadline, attemptMs: options.attemptMs, stats: turn },
    );
    turn.answeredAt = options.clock();
    turn.reply = {
      answer: reply.answer,
      citations: reply.citations.map((c) => ({ chunkId: c.chunkId, docId: c.docId, source: c.source })),
      indexVersion: reply.indexVersion,
    };
  } catch (err) {
    turn.error = errorMessage(err);
  }
}

export function startChatLoad(client: MemflowClient, options: ChatLoadOptions): ChatLoad {
  const sessions: ChatSessionLog[] = [];
  const thinking = new AbortController();
  let stopping = false;

  const runSession = async (tenantIndex: number, log: ChatSessionLog, random: () => number) => {
    const own = options.tenants[tenantIndex]!;
    for (let n = 1; !stopping; n++) {
      const others = options.tenants.filter((t) => t !== own);
      const other = others.length > 0 && random() < options.probeShare ? others[n % others.length] : undefined;
      const turn: ChatTurnLog = {
        requestId: `${options.runId}.${log.sessionId}.${n}`,
        text: other ? probeQuestion(other) : ownQuestion(own, random),
        ...(other ? { probeOf: other.tenant } : {}),
        sentAt: options.clock(),
        attempts: 0,
        retries: {},
      };
      await sendTurn(client, log, turn, options);
      const pause = options.thinkMs * (0.5 + random());
      await sleep(pause, undefined, { signal: thinking.signal }).catch(() => undefined);
    }
  };

  const loops: Promise<void>[] = [];
  options.tenants.forEach((tenant, t) => {
    for (let s = 0; s < options.sessionsPerTenant; s++) {
      const log: ChatSessionLog = { tenant: tenant.tenant, sessionId: `s${t}-${s}`, turns: [] };
      sessions.push(log);
      loops.push(runSession(t, log, seededRandom(options.seed + 1000 * (t + 1) + s)));
    }
  });
  return {
    sessions,
    async stop() {
      stopping = true;
      thinking.abort();
      await Promise.all(loops);
    },
  };
}

/**
 * After the soak: in a fresh session per tenant, one turn asking for each other tenant's access
 * code. Their answers go through the same invariants as the soak's turns.
 */
export async function runProbeSessions(
  client: MemflowClient,
  options: Pick<ChatLoadOptions, 'tenants' | 'runId' | 'deadline' | 'attemptMs' | 'clock'>,
): Promise<ChatSessionLog[]> {
  const sessions: ChatSessionLog[] = [];
  for (const [t, own] of options.tenants.entries()) {
    const log: ChatSessionLog = { tenant: own.tenant, sessionId: `probe${t}`, turns: [] };
    sessions.push(log);
    for (const other of options.tenants.filter((o) => o !== own)) {
      const turn: ChatTurnLog = {
        requestId: `${options.runId}.${log.sessionId}.${log.turns.length + 1}`,
        text: probeQuestion(other),
        probeOf: other.tenant,
        sentAt: options.clock(),
        attempts: 0,
        retries: {},
      };
      await sendTurn(client, log, turn, options);
    }
  }
  return sessions;
}
