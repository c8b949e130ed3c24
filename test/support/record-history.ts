import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { REPO_ROOT } from '../../config/config';

/**
 * With MEMFLOW_RECORD_HISTORIES set, writes a run's history as a replay fixture
 * (test/replay/histories/<name>.json, the proto3 JSON `temporal workflow show --output json`
 * writes), which test/unit/replay.test.ts replays against today's workflow code.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.MEMFLOW_RECORD_HISTORIES) return;
  const dir = path.join(REPO_ROOT, 'test', 'replay', 'histories');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), historyToJSON(await handle.fetchHistory()));
  // Histories do not hold their workflow's id, and a replay must run under it (child ids derive from it).
  const ids = path.join(dir, '..', 'workflow-ids.json');
  const known = fs.existsSync(ids) ? (JSON.parse(fs.readFileSync(ids, 'utf8')) as Record<string, string>) : {};
  known[`${name}.json`] = handle.workflowId;
  const sorted = Object.fromEntries(Object.entries(known).sort(([a], [b]) => a.localeCompare(b)));
  fs.writeFileSync(ids, `${JSON.stringify(sorted, null, 2)}\n`);
}
