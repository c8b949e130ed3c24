import type { ApplicationFailure } from '@temporalio/common';
import type { MemflowConfig } from '../../config/config';
import { redactUrl, urlSecrets } from '../../config/redact';
import type { ChatCompletion, ChatModel, ChatRequest } from './chat-model';
import { classifyLlmError } from './classify-error';
import { failure } from '../../contracts/errors';
import { createOpenAiClient, OPENAI_DEFAULT_BASE_URL } from './openai-client';
import type { OpenAiEndpoint } from './openai-client';

export interface OpenAiChatModelOptions extends OpenAiEndpoint {
  model: string;
}

/**
 * A `ChatModel` over the Chat Completions API of any OpenAI-compatible server. Sends `max_tokens`
 * (not `max_completion_tokens`), which local servers understand. Every failure is thrown as a
 * classified `ApplicationFailure`.
 */
export function createOpenAiChatModel(options: OpenAiChatModelOptions): ChatModel {
  const client = createOpenAiClient(options);
  // Messages built here are recorded in workflow history: the endpoint's credentials stay out.
  const operation = `chat completion (${options.model} at ${redactUrl(options.baseURL)})`;
  const secrets = [options.apiKey, ...urlSecrets(options.baseURL)];

  return {
    model: options.model,
    async complete(request: ChatRequest): Promise<ChatCompletion> {
      let response;
      try {
        response = await client.chat.completions.create(
          {
            model: options.model,
            messages: request.messages,
            ...(request.json ? { response_format: { type: 'json_object' as const } } : {}),
            ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
            ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          },
          request.signal ? { signal: request.signal } : undefined,
        );
      } catch (err) {
        throw classifyLlmError(err, { operation, secrets });
      }

      const choice = response.choices[0];
      if (!choice) throw malformed(`${operation} returned no choices`);
      const text = choice.message.content ?? '';
      const completion: ChatCompletion = {
        text,
        usage: {
          promptTokens: response.usage?.prompt_tokens ?? 0,
          completionTokens: response.usage?.completion_tokens ?? 0,
        },
        model: response.model || options.model,
      };
      if (request.json) {
        const truncated = choice.finish_reason === 'length' ? ' (cut off at maxTokens)' : '';
        completion.json = parseJsonObject(text, `${operation} returned malformed JSON${truncated}`);
      }
      return completion;
    },
  };
}

/**
 * The configured chat model, or undefined when no endpoint is configured (neither OPENAI_BASE_URL
 * nor OPENAI_API_KEY): callers then use the extractive planner and answerer.
 */
export function chatModelFromConfig(llm: MemflowConfig['llm']): ChatModel | undefined {
  if (llm.baseUrl === undefined && llm.apiKey === undefined) return undefined;
  return createOpenAiChatModel({
    baseURL: llm.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
    apiKey: llm.apiKey,
    model: llm.model,
    timeoutMs: llm.timeoutMs,
  });
}

function parseJsonObject(text: string, problem: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw malformed(`${problem}: ${err instanceof Error ? err.message : String(err)}; got ${snippet(text)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${problem}: expected a JSON object, got ${snippet(text)}`);
  }
  return value as Record<string, unknown>;
}

/** Sampling differs between attempts, so a retry may well produce valid output. */
function malformed(message: string): ApplicationFailure {
  return failure('LLM_MALFORMED_OUTPUT', message);
}

function snippet(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
