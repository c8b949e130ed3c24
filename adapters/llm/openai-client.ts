import OpenAI from 'openai';

export interface OpenAiEndpoint {
  /** Base URL ending in `/v1`, e.g. `https://api.openai.com/v1` or a local llama.cpp/vLLM server. */
  baseURL: string;
  /** Optional for local servers that do not check it. */
  apiKey?: string | undefined;
  timeoutMs: number;
}

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * An `openai` client with SDK retries off (Temporal owns retries) and nothing read from
 * `process.env`: every setting comes from memflow's config.
 */
export function createOpenAiClient(endpoint: OpenAiEndpoint): OpenAI {
  return new OpenAI({
    baseURL: endpoint.baseURL,
    // The SDK refuses to start without a key; servers that ignore it accept any value.
    apiKey: endpoint.apiKey ?? 'no-key',
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: endpoint.timeoutMs,
  });
}
