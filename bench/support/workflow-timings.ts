/**
 * Where an ingest workflow's time went, read back from Temporal's event histories after the run
 * (never inside a timed region): per activity type, time spent queued (scheduled → started) and
 * running (started → completed), and what the batch workflows spent outside their activities.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';

export interface ActivityTiming {
  count: number;
  /** Scheduled → started: waiting for a worker slot and the poll round trip. */
  queuedSeconds: number;
  /** Started → completed, as recorded by the server. */
  runSeconds: number;
}

export interface WorkflowTimings {
  activities: Record<string, ActivityTiming>;
  /** Σ over batch workflows of (first event → last event) − Σ their activities' run time. */
  batchOverheadSeconds: number;
}

/** Timings of the `ingestDocuments` run `workflowId` and of the batch workflows it started. */
export async function ingestTimings(client: Client, workflowId: string): Promise<WorkflowTimings> {
  const activities: Record<string, ActivityTiming> = {};
  let batchOverheadMs = 0;
  const ids = [workflowId];
  // ids grows as the parent's history names its children.
  for (let index = 0; index < ids.length; index++) {
    const history = await client.workflow.getHandle(ids[index]!).fetchHistory();
    const events = history.events ?? [];
    for (const e of events) {
      const child = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (child) ids.push(child);
    }
    const scheduled = new Map<string, { type: string; at: number }>();
    const started = new Map<string, number>();
    let activityMs = 0;
    for (const e of events) {
      const at = tsToMs(e.eventTime);
      if (e.activityTaskScheduledEventAttributes) {
        scheduled.set(String(e.eventId), {
          type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?',
          at,
        });
      } else if (e.activityTaskStartedEventAttributes) {
        started.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), at);
      } else if (e.activityTaskCompletedEventAttributes) {
        const key = String(e.activityTaskCompletedEventAttributes.scheduledEventId);
        const s = scheduled.get(key);
        const begun = started.get(key);
        if (!s || begun === undefined) continue;
        const timing = (activities[s.type] ??= { count: 0, queuedSeconds: 0, runSeconds: 0 });
        timing.count += 1;
        timing.queuedSeconds += (begun - s.at) / 1000;
        timing.runSeconds += (at - begun) / 1000;
        activityMs += at - begun;
      }
    }
    if (index > 0 && events.length > 0) {
      batchOverheadMs += tsToMs(events[events.length - 1]!.eventTime) - tsToMs(events[0]!.eventTime) - activityMs;
    }
  }
  for (const t of Object.values(activities)) {
    t.queuedSeconds = Math.round(t.queuedSeconds * 100) / 100;
    t.runSeconds = Math.round(t.runSeconds * 100) / 100;
  }
  return { activities, batchOverheadSeconds: Math.round(batchOverheadMs / 10) / 100 };
}
