import crypto from 'node:crypto';
import path from 'node:path';
import { MemflowClient } from '../../client/memflow-client';
import type { MemflowConfig } from '../../config/config';
import { REPO_ROOT } from '../../config/config';
import type { WorkerHandle } from '../../workers/worker';
import { createWorker } from '../../workers/worker';
import type { FakeChatRequest, FakeOpenAiServer } from './fake-openai';
import { startFakeOpenAi } from './fake-openai';
import { testConfig } from './test-env';

export const CORPUS = path.join(REPO_ROOT, 'test', 'fixtures', 'corpus');

/** A plan for the user's last message; the whole request (its context included) is there too. */
export type PlanOverride = (text: string, request: FakeChatRequest) => Record<string, unknown> | undefined;

export function newTenant(): string {
  return `t-${crypto.randomBytes(4).toString('hex')}`;
}

export function requestKind(req: FakeChatRequest): 'planner' | 'executor' | 'summary' {
  const system = String(req.messages[0]?.content ?? '');
  if (system.startsWith('You are the planner')) return 'planner';
  if (system.startsWith('Summarize')) return 'summary';
  return 'executor';
}

export function lastUserText(req: FakeChatRequest): string {
  return String(req.messages[req.messages.length - 1]?.content ?? '');
}

/**
 * A scripted OpenAI-compatible model: the planner searches for the message itself (unless a test
 * overrides the plan), the executor cites every passage it was given, the summarizer echoes.
 */
export interface ScriptedModel {
  server: FakeOpenAiServer;
  plan: { override?: PlanOverride };
  /** Runs before the executor answers (tests use it to delay or observe). */
  beforeExecutor?: (req: FakeChatRequest) => Promise<void> | void;
  /** Replaces the executor's answer (a test's model that, say, repeats what it read). */
  answer?: (req: FakeChatRequest) => string | undefined;
  count(kind: 'planner' | 'executor' | 'summary'): number;
}

export async function startScriptedModel(): Promise<ScriptedModel> {
  const model: ScriptedModel = {
    server: undefined as unknown as FakeOpenAiServer,
    plan: {},
    count: (kind) =>
      model.server.requests.filter(
        (r) => r.path.endsWith('/chat/completions') && requestKind(r.body as FakeChatRequest) === kind,
      ).length,
  };
  model.server = await startFakeOpenAi({
    respond: async (req) => {
      const kind = requestKind(req);
      const text = lastUserText(req);
      if (kind === 'planner') {
        return (
          model.plan.override?.(text, req) ?? {
            intent: 'search',
            queries: [text],
            filters: {},
            tool: null,
            remember: [],
          }
        );
      }
      if (kind === 'summary') return `Summary of: ${text.replace(/\s+/g, ' ').slice(0, 300)}`;
      await model.beforeExecutor?.(req);
      const answer = model.answer?.(req);
      if (answer !== undefined) return answer;
      const markers = [...new Set([...text.matchAll(/^\[(\d+)\] /gm)].map((m) => m[1]))];
      return markers.length > 0
        ? `From the passages: ${markers.map((m) => `[${m}]`).join('')}.`
        : 'No passages matched.';
    },
  });
  return model;
}

export function chatConfig(model: ScriptedModel, queueSuffix: string, extra: NodeJS.ProcessEnv = {}): MemflowConfig {
  return testConfig({
    TEMPORAL_TASK_QUEUE: `${process.env.TEMPORAL_TASK_QUEUE}-${queueSuffix}`,
    OPENAI_BASE_URL: model.server.url,
    OPENAI_API_KEY: 'test-key',
    LLM_MODEL: 'fake-model',
    LLM_TIMEOUT_MS: '1500',
    ...extra,
  });
}

export interface ChatHarness {
  config: MemflowConfig;
  client: MemflowClient;
  worker: WorkerHandle;
  /** Stops the in-process worker only (the client stays usable). */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** An in-process worker and a client on a task queue of their own. */
export async function startChatHarness(
  config: MemflowConfig,
  options: Parameters<typeof createWorker>[1] = {},
): Promise<ChatHarness> {
  const worker = await createWorker(config, options);
  const running = worker.run();
  const client = await MemflowClient.connect(config);
  return {
    config,
    client,
    worker,
    async stopWorker() {
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await running;
    },
    async close() {
      await client.close();
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await running;
    },
  };
}

export async function ingestFor(
  harness: { client: MemflowClient; config: MemflowConfig },
  tenant: string,
  paths: string[],
) {
  const { handle } = await harness.client.ingest({ tenant, paths, baseDir: CORPUS });
  return handle.result();
}
