import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { DataConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { chatWorkflowId } from '../../contracts/chat';
import { parseCodecKeys } from '../../config/codec-keys';
import { FAILURE_CONVERTER_PATH } from '../../adapters/temporal/data-converter';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../adapters/temporal/payload-codec';

const REPLAY = path.join(__dirname, '..', 'replay');
const DIR = path.join(REPLAY, 'histories');
/** The fixtures' test key, committed beside them (recorded with it: test/run.ts). */
const KEYS_FILE = path.join(REPLAY, 'codec-keys');
/** The workflow id each fixture ran under, written by test/support/record-history.ts. */
const RECORDED_IDS = JSON.parse(fs.readFileSync(path.join(REPLAY, 'workflow-ids.json'), 'utf8')) as Record<
  string,
  string
>;

/** What the worker runs with: the payload codec (here with the fixtures' key) and memflow's failure converter. */
const workerConverter: DataConverter = {
  payloadCodecs: [new AesGcmPayloadCodec(parseCodecKeys(fs.readFileSync(KEYS_FILE, 'utf8'), KEYS_FILE))],
  failureConverterPath: FAILURE_CONVERTER_PATH,
};

function fixtures(filter: (file: string) => boolean = () => true) {
  return fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.json') && filter(f))
    .map((file) => ({ file, text: fs.readFileSync(path.join(DIR, file), 'utf8') }));
}

const encrypted = (text: string) => text.includes(Buffer.from(ENCRYPTED_ENCODING).toString('base64'));

async function replay(files: ReturnType<typeof fixtures>, dataConverter?: DataConverter) {
  const histories = await Promise.all(
    files.map(async ({ file, text }) => {
      const history = historyFromJSON(JSON.parse(text));
      return { workflowId: RECORDED_IDS[file] ?? (await recordedWorkflowId(history)) ?? file, history };
    }),
  );
  const results = Worker.runReplayHistories(
    { workflowsPath: require.resolve('../../workflows'), ...(dataConverter ? { dataConverter } : {}) },
    histories,
  );
  const outcomes: { workflowId: string; error: unknown }[] = [];
  for await (const result of results) outcomes.push({ workflowId: result.workflowId, error: result.error });
  return outcomes;
}

/**
 * Replays committed histories of real runs against today's workflow code, with the worker's data
 * converter: any change that would make a running workflow non-deterministic fails here
 * (DeterminismViolationError). Two generations of fixtures: `pre-codec-*` were recorded before
 * payloads were encrypted (sessions still open when the codec shipped: the codec passes their
 * plaintext payloads through), the others with the codec, under the test key in test/replay/codec-keys.
 * Refresh them with `MEMFLOW_RECORD_HISTORIES=1 npm test -- <test files>` (README.md, Tests): every
 * workflow type has at least one.
 */
test('committed workflow histories replay without non-determinism', { timeout: 180_000 }, async () => {
  const files = fixtures();
  assert.ok(files.filter((f) => f.file.startsWith('pre-codec-')).length >= 2, 'pre-codec fixtures are committed');
  assert.ok(
    files.filter((f) => !f.file.startsWith('pre-codec-') && encrypted(f.text)).length >= 2,
    'fixtures recorded with the codec are committed, and their payloads are encrypted',
  );
  const types = new Set(
    files.map(
      (f) =>
        (
          JSON.parse(f.text) as {
            events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[];
          }
        ).events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name,
    ),
  );
  for (const type of ['chatSession', 'ingestDocuments', 'ingestBatch', 'reindexSaga', 'searchIndex']) {
    assert.ok(types.has(type), `a recorded history of ${type} is committed`);
  }
  const outcomes = await replay(files, workerConverter);
  for (const { workflowId, error } of outcomes) assert.equal(error, undefined, `${workflowId}: ${String(error)}`);
  assert.equal(outcomes.length, files.length);
});

test('an encrypted history does not replay without its key', { timeout: 180_000 }, async () => {
  const files = fixtures((f) => !f.startsWith('pre-codec-')).slice(0, 1);
  const [outcome] = await replay(files);
  assert.ok(outcome?.error, 'replaying without the codec fails');
  assert.match(String(outcome.error), /binary\/encrypted/);
});

/**
 * The id the recorded run had, which workflows may check (a chat session checks its own): a
 * session's is `chat/<tenant>/<sessionId>` of its input, read with the fixtures' key. Histories do
 * not record the id itself; anything else replays under its file name.
 */
async function recordedWorkflowId(history: ReturnType<typeof historyFromJSON>): Promise<string | undefined> {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  if (started?.workflowType?.name !== 'chatSession' || !payload) return undefined;
  const [decoded] = await workerConverter.payloadCodecs![0]!.decode([payload]);
  const input = JSON.parse(Buffer.from(decoded!.data!).toString('utf8')) as { tenant?: string; sessionId?: string };
  return input.tenant && input.sessionId ? chatWorkflowId(input.tenant, input.sessionId) : undefined;
}
