import type { MemflowClient } from '../client/memflow-client';
import type { EngineUnderTest } from './evaluate-retrieval';

/**
 * The engine as a tenant's users meet it, through the worker: `MemflowClient.search` (the
 * `searchIndex` workflow: the turn's own retrieval step) and one real chat turn per question, in a
 * session of its own (`eval-<run>-<question id>`, ended right after), so no question sees another's
 * conversation.
 */
export function engineThroughClient(client: MemflowClient, tenant: string, runId: string): EngineUnderTest {
  return {
    async search(question, limit) {
      const result = await client.search(tenant, question, { limit });
      return { sources: result.hits.map((h) => h.source), collection: result.collection, model: result.model };
    },
    async ask(question) {
      const sessionId = `eval-${runId}-${question.id}`;
      const reply = await client.chat(tenant, sessionId, question.question, { requestId: sessionId });
      await client.endSession(tenant, sessionId);
      return { sources: reply.citations.map((c) => c.source), answerKind: reply.answerKind };
    },
  };
}
