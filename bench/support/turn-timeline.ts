/**
 * Where each chat turn's time went, read back from a session's Temporal history after the run
 * (never inside a timed region): for every `sendMessage` Update, the workflow task that accepted
 * it, each activity it ran (scheduled, started, completed) and when the Update completed. Event
 * times are the server's clock, the same machine's as the client's `nowMs()`.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';

export interface ActivitySpan {
  type: string;
  scheduledAt: number;
  startedAt: number;
  completedAt: number;
}

export interface TurnTimeline {
  updateId: string;
  /** The workflow task that carried the Update to the worker. */
  taskScheduledAt: number;
  taskStartedAt: number;
  acceptedAt: number;
  activities: ActivitySpan[];
  completedAt: number;
}

/** The timelines of the Updates that ran activities (turns) in the current run of `workflowId`. */
export async function turnTimelines(client: Client, workflowId: string): Promise<TurnTimeline[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const turns: TurnTimeline[] = [];
  const open = new Map<string, TurnTimeline>();
  const scheduled = new Map<string, ActivitySpan & { turn?: TurnTimeline }>();
  let taskScheduledAt = 0;
  let taskStartedAt = 0;
  let current: TurnTimeline | undefined;
  for (const e of events) {
    const at = tsToMs(e.eventTime);
    if (e.workflowTaskScheduledEventAttributes) taskScheduledAt = at;
    else if (e.workflowTaskStartedEventAttributes) taskStartedAt = at;
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const updateId = e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.meta?.updateId ?? '?';
      const turn: TurnTimeline = {
        updateId,
        taskScheduledAt,
        taskStartedAt,
        acceptedAt: at,
        activities: [],
        completedAt: 0,
      };
      open.set(updateId, turn);
      current = turn;
    } else if (e.activityTaskScheduledEventAttributes) {
      const type = e.activityTaskScheduledEventAttributes.activityType?.name ?? '?';
      scheduled.set(String(e.eventId), { type, scheduledAt: at, startedAt: 0, completedAt: 0, turn: current });
    } else if (e.activityTaskStartedEventAttributes) {
      const span = scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId));
      if (span) span.startedAt = at;
    } else if (e.activityTaskCompletedEventAttributes) {
      const span = scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId));
      if (span?.turn) {
        span.completedAt = at;
        span.turn.activities.push({
          type: span.type,
          scheduledAt: span.scheduledAt,
          startedAt: span.startedAt,
          completedAt: at,
        });
      }
    } else if (e.workflowExecutionUpdateCompletedEventAttributes) {
      const updateId = e.workflowExecutionUpdateCompletedEventAttributes.meta?.updateId ?? '?';
      const turn = open.get(updateId);
      if (!turn) continue;
      turn.completedAt = at;
      open.delete(updateId);
      turns.push(turn);
      // Turns run one at a time; an Update answered from the cache completes in its own task.
      if (current === turn) current = [...open.values()].pop();
    }
  }
  return turns;
}
