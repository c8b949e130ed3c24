import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { chatWorkflowId } from '../../contracts/chat';

const DIR = path.join(__dirname, '..', 'replay', 'histories');

/**
 * Replays committed histories of real runs against today's workflow code: any change that would
 * make a running workflow non-deterministic fails here (DeterminismViolationError).
 * Refresh the fixtures with `MEMFLOW_RECORD_HISTORIES=1 npm test -- test/integration/chat-session.test.ts`.
 */
test('committed workflow histories replay without non-determinism', { timeout: 180_000 }, async () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 2, 'replay fixtures are committed');
  const histories = files.map((file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
    return { workflowId: recordedWorkflowId(history) ?? file, history };
  });
  const results = Worker.runReplayHistories({ workflowsPath: require.resolve('../../workflows') }, histories);
  let replayed = 0;
  for await (const result of results) {
    assert.equal(result.error, undefined, `${result.workflowId}: ${String(result.error)}`);
    replayed += 1;
  }
  assert.equal(replayed, files.length);
});

/**
 * The id the recorded run had, which workflows may check (a chat session checks its own): a session's
 * is `chat/<tenant>/<sessionId>` of its input. Histories do not record the id itself.
 */
function recordedWorkflowId(history: ReturnType<typeof historyFromJSON>): string | undefined {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  if (started?.workflowType?.name !== 'chatSession' || !payload?.data) return undefined;
  const input = JSON.parse(Buffer.from(payload.data).toString('utf8')) as { tenant?: string; sessionId?: string };
  return input.tenant && input.sessionId ? chatWorkflowId(input.tenant, input.sessionId) : undefined;
}
