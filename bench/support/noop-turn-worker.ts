/**
 * A second worker in the bench process, on a task queue of its own, running the no-op turn shape
 * (bench/support/noop-turn-workflow.ts): the floor a chat turn's four local activities cannot go under.
 */
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { MemflowConfig } from '../../src/config';
import { endNoopSession, noopTurnSession, noopTurnUpdate } from './noop-turn-workflow';

export interface NoopActivities {
  /** Returns its input: the step does nothing, so only the SDK's and the server's work is timed. */
  noopStep(input: string): Promise<string>;
}

export interface NoopTurns {
  /** One Update through the no-op turn shape on the current session. */
  turn(text: string): Promise<unknown>;
  /** Ends the current session and starts a new one (as the real turns change sessions). */
  newSession(): Promise<void>;
  close(): Promise<void>;
}

export async function startNoopTurns(config: MemflowConfig, client: Client, runId: string): Promise<NoopTurns> {
  const taskQueue = `${config.temporal.taskQueue}-noop-turn`;
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const activities: NoopActivities = { noopStep: async (input) => input };
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowsPath: require.resolve('./noop-turn-workflow'),
    activities,
  });
  const running = worker.run();
  let sessions = 0;
  const start = () =>
    client.workflow.start(noopTurnSession, { taskQueue, workflowId: `noop-turn-${runId}-${sessions++}` });
  let handle = await start();
  return {
    turn: (text) => handle.executeUpdate(noopTurnUpdate, { args: [text], updateId: crypto.randomUUID() }),
    async newSession() {
      await handle.signal(endNoopSession);
      handle = await start();
    },
    async close() {
      await handle.signal(endNoopSession).catch(() => undefined);
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
