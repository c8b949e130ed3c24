/**
 * A second worker in the bench process, on a task queue of its own, running the no-op turn shape
 * (bench/support/noop-turn-workflow.ts): the floor a chat turn's three local activities cannot go under.
 */
import crypto from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { MemflowConfig } from '../../config/config';
import { dataConverter } from '../../adapters/temporal/data-converter';
import { endNoopSession, noopTurnSession, noopTurnUpdate } from './noop-turn-workflow';

export interface NoopActivities {
  /** Returns its input: the step does nothing, so only the SDK's and the server's work is timed. */
  noopStep(input: string): Promise<string>;
}

export interface NoopTurns {
  /** One Update through the no-op turn shape on session `session` (0 unless given), started on first use. */
  turn(text: string, session?: number): Promise<unknown>;
  /** Ends every session; the next turns start new ones (as the real turns change sessions). */
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
    // As memflow's worker: the client encrypts, and encryption is part of a turn's cost.
    dataConverter: dataConverter(config),
    activities,
  });
  const running = worker.run();
  let generation = 0;
  const handles = new Map<number, Promise<WorkflowHandle<typeof noopTurnSession>>>();
  const handleOf = (session: number) => {
    let handle = handles.get(session);
    if (!handle) {
      handle = client.workflow.start(noopTurnSession, {
        taskQueue,
        workflowId: `noop-turn-${runId}-${generation}-${session}`,
      });
      handles.set(session, handle);
    }
    return handle;
  };
  const endAll = async () => {
    const ending = [...handles.values()];
    handles.clear();
    generation += 1;
    await Promise.allSettled(ending.map(async (h) => (await h).signal(endNoopSession)));
  };
  return {
    async turn(text, session = 0) {
      const handle = await handleOf(session);
      return handle.executeUpdate(noopTurnUpdate, { args: [text], updateId: crypto.randomUUID() });
    },
    newSession: endAll,
    async close() {
      await endAll();
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
