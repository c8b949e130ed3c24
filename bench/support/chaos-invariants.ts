/**
 * What must hold after the chaos soak, about the conversations (chaos-index-invariants.ts checks
 * the stores): every requestId answered, each by exactly one turn, every session's history
 * consistent with what its caller was told, and no answer citing another tenant's documents.
 * Each check returns its counts and a few examples of what broke it.
 */
import type { MemflowClient } from '../../client/memflow-client';
import type { SessionHistory } from '../../contracts/chat';
import { errorMessage } from '../../contracts/errors';
import type { ChatSessionLog, ChatTurnLog } from './chaos-chat';
import { retryUntil } from './chaos-retry';

export interface Invariant {
  name: string;
  pass: boolean;
  counts: Record<string, number | string>;
  /** Up to five examples of what broke it. */
  examples: string[];
}

export function invariant(name: string, counts: Invariant['counts'], problems: string[]): Invariant {
  return { name, pass: problems.length === 0, counts, examples: problems.slice(0, 5) };
}

/** Every session's history as its workflow reports it (retried while the stack settles). */
export async function readHistories(
  client: MemflowClient,
  sessions: ChatSessionLog[],
  deadline: number,
): Promise<Map<ChatSessionLog, SessionHistory | string>> {
  const histories = new Map<ChatSessionLog, SessionHistory | string>();
  for (const session of sessions) {
    const stats = { attempts: 0, retries: {} };
    try {
      const history = await retryUntil(() => client.history(session.tenant, session.sessionId), {
        deadline,
        attemptMs: 30_000,
        stats,
      });
      histories.set(session, history);
    } catch (err) {
      histories.set(session, `history of ${session.sessionId} unreadable: ${errorMessage(err)}`);
    }
  }
  return histories;
}

/** Every requestId sent got an answer. */
export function everyRequestAnswered(sessions: ChatSessionLog[]): Invariant {
  const turns = sessions.flatMap((s) => s.turns);
  const unanswered = turns.filter((t) => !t.reply);
  return invariant(
    'every requestId answered',
    { sent: turns.length, answered: turns.length - unanswered.length, unanswered: unanswered.length },
    unanswered.map((t) => `${t.requestId} (sent at +${t.sentAt.toFixed(1)}s, ${t.attempts} attempts): ${t.error}`),
  );
}

/** Each answered requestId ran exactly one turn: the session counted as many turns as it answered, none twice. */
export function answeredOnce(
  sessions: ChatSessionLog[],
  histories: Map<ChatSessionLog, SessionHistory | string>,
): Invariant {
  const problems: string[] = [];
  let turnsCounted = 0;
  let answered = 0;
  for (const session of sessions) {
    const history = histories.get(session)!;
    if (typeof history === 'string') {
      problems.push(history);
      continue;
    }
    const ids = session.turns.filter((t) => t.reply).map((t) => t.requestId);
    answered += ids.length;
    turnsCounted += history.turnCount;
    if (history.turnCount !== ids.length)
      problems.push(
        `${session.sessionId}: the session ran ${history.turnCount} turns for ${ids.length} answered requests`,
      );
    const seen = new Set<string>();
    for (const turn of history.turns) {
      if (seen.has(turn.requestId)) problems.push(`${session.sessionId}: ${turn.requestId} twice in its history`);
      seen.add(turn.requestId);
    }
  }
  return invariant('each answered once', { answered, turnsCounted }, problems);
}

function sameReply(turn: ChatTurnLog, record: SessionHistory['turns'][number]): string | undefined {
  if (record.user !== turn.text) return 'its user message differs from the one sent';
  if (!record.answer.trim()) return 'its answer is empty';
  if (record.answer !== turn.reply!.answer) return 'its answer differs from the one the caller got';
  const cited = record.citations.map((c) => c.chunkId).join(',');
  if (cited !== turn.reply!.citations.map((c) => c.chunkId).join(','))
    return 'its citations differ from the ones the caller got';
  return undefined;
}

/**
 * Each session's history is what its caller saw: the turns it holds (all of them, or the last ones
 * carried over continue-as-new) are the last answered requests in the order sent, each with the
 * message sent and the reply the caller got; the turn count runs on without a gap.
 */
export function historiesConsistent(
  sessions: ChatSessionLog[],
  histories: Map<ChatSessionLog, SessionHistory | string>,
): Invariant {
  const problems: string[] = [];
  let checked = 0;
  let continuedAsNew = 0;
  for (const session of sessions) {
    const history = histories.get(session)!;
    if (typeof history === 'string') {
      problems.push(history);
      continue;
    }
    if (history.runs > 1) continuedAsNew += 1;
    const answered = session.turns.filter((t) => t.reply);
    const expected = answered.slice(-history.turns.length);
    const got = history.turns.map((t) => t.requestId);
    if (history.turns.length > answered.length || got.join() !== expected.map((t) => t.requestId).join()) {
      problems.push(
        `${session.sessionId}: history holds [${got.slice(-3).join(', ')}…], not the last answered requests`,
      );
      continue;
    }
    if (history.runs === 1 && history.turns.length !== history.turnCount)
      problems.push(
        `${session.sessionId}: one run, ${history.turns.length} turns listed but ${history.turnCount} counted`,
      );
    expected.forEach((turn, i) => {
      checked += 1;
      const wrong = sameReply(turn, history.turns[i]!);
      if (wrong) problems.push(`${session.sessionId} ${turn.requestId}: ${wrong}`);
    });
  }
  return invariant(
    'histories consistent',
    { sessions: sessions.length, turnsChecked: checked, continuedAsNew },
    problems,
  );
}

/**
 * No answer cites another tenant's document: every cited document belongs to the asking tenant
 * (`docTenants`: document id → tenant, from PostgreSQL) and its file name starts with its id.
 * Probe turns ask for another tenant's access code, so a leak would show there first.
 */
export function noCrossTenantHit(sessions: ChatSessionLog[], docTenants: Map<string, string>): Invariant {
  const problems: string[] = [];
  let citations = 0;
  let probes = 0;
  for (const session of sessions) {
    for (const turn of session.turns) {
      if (!turn.reply) continue;
      if (turn.probeOf) probes += 1;
      for (const c of turn.reply.citations) {
        citations += 1;
        const owner = docTenants.get(c.docId);
        if (owner !== session.tenant || !c.source.startsWith(`${session.tenant}-`))
          problems.push(
            `${session.tenant} ${turn.requestId} cited ${c.source} (document of ${owner ?? 'no known tenant'})` +
              `${turn.probeOf ? `, asking for ${turn.probeOf}'s code` : ''}`,
          );
      }
    }
  }
  return invariant('no cross-tenant hit', { probeTurns: probes, citations }, problems);
}
