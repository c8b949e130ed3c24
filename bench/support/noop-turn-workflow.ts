/**
 * The shape of a chat turn in an `llmSteps: 'local'` session with no work in it: an Update whose
 * handler runs three local activities that return at once, in `runTurn`'s order (plan, retrieve,
 * write). Timed beside the real turn, it shows what the Temporal TypeScript SDK and
 * server cost for that shape alone, so the rest of a turn's overhead is memflow's. Workflow code:
 * bundled by the SDK for the bench's second worker (bench/support/noop-turn-worker.ts).
 */
import { condition, defineSignal, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { NoopActivities } from './noop-turn-worker';

const steps = proxyLocalActivities<NoopActivities>({ startToCloseTimeout: '10 seconds' });

export const noopTurnUpdate = defineUpdate<number, [string]>('noopTurn');
export const endNoopSession = defineSignal('endNoopSession');

export async function noopTurnSession(): Promise<void> {
  let ended = false;
  setHandler(noopTurnUpdate, async (text) => {
    const planned = await steps.noopStep(text);
    const retrieved = await steps.noopStep(planned);
    const written = await steps.noopStep(retrieved);
    return written.length;
  });
  setHandler(endNoopSession, () => void (ended = true));
  await condition(() => ended);
}
