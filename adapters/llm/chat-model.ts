/**
 * The language model the planner and executor call. Implementations: any OpenAI-compatible
 * endpoint (`openai-chat-model.ts`); without one, the extractive planner/answerer stand in.
 * Failures are thrown already classified for Temporal (see `classify-error.ts`).
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Ask for a JSON object (`response_format: json_object`); the reply is parsed and checked. */
  json?: boolean;
  maxTokens?: number;
  temperature?: number;
  /** Aborts the request, e.g. the activity's cancellation signal. */
  signal?: AbortSignal;
}

export interface ChatCompletion {
  text: string;
  /** The parsed object when `json` was requested. */
  json?: Record<string, unknown>;
  usage: { promptTokens: number; completionTokens: number };
  /** The model that answered, as the server reports it. */
  model: string;
}

export interface ChatModel {
  /** The configured model name. */
  readonly model: string;
  complete(request: ChatRequest): Promise<ChatCompletion>;
  close?(): Promise<void>;
}
