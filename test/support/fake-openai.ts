import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server speaking the subset of the OpenAI API memflow uses, for unit tests that drive
 * the real `openai` client: `POST /v1/chat/completions` (non-streaming), `POST /v1/embeddings`,
 * `GET /v1/models`. Replies are scripted with `respond`; faults are injected with `inject`.
 */

export interface FakeChatRequest {
  model: string;
  messages: Array<{ role: string; content?: unknown }>;
  response_format?: { type: string };
  tools?: unknown[];
  max_tokens?: number;
  temperature?: number;
  [key: string]: unknown;
}

const TOOL_CALLS = Symbol('toolCalls');
export interface FakeToolCalls {
  [TOOL_CALLS]: Array<{ name: string; arguments: unknown; id?: string }>;
}
/** A reply made of tool calls instead of content. */
export function fakeToolCalls(calls: Array<{ name: string; arguments: unknown; id?: string }>): FakeToolCalls {
  return { [TOOL_CALLS]: calls };
}

/** A string is sent as the content verbatim; an object is sent as its JSON. */
export type FakeChatReply = string | Record<string, unknown> | FakeToolCalls;
export type FakeRespond = (request: FakeChatRequest) => FakeChatReply | Promise<FakeChatReply>;

interface FaultScope {
  /** Number of matching requests the fault applies to (default 1). */
  times?: number;
  /** Only requests whose path ends with this, e.g. `/embeddings`. */
  path?: string;
}
export type FakeFault = FaultScope &
  (
    | { status: number; retryAfterSeconds?: number; retryAfterMs?: number; message?: string }
    | { delayMs: number }
    | { malformedJson: true }
  );

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** When the request arrived (ms since the epoch). */
  at: number;
  /** The client closed the request before the reply was sent (its timeout cut it). */
  aborted?: boolean;
}

export interface FakeOpenAiServer {
  /** Base URL ending in `/v1`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  respond: FakeRespond;
  embeddingDim: number;
  inject(fault: FakeFault): void;
  close(): Promise<void>;
}

export interface FakeOpenAiOptions {
  respond?: FakeRespond;
  embeddingDim?: number;
  models?: string[];
}

/** Default reply: echoes the last user message (as `{ echo }` when JSON was requested). */
export const echoRespond: FakeRespond = (request) => {
  const last = [...request.messages].reverse().find((m) => m.role === 'user')?.content;
  const text = typeof last === 'string' ? last : JSON.stringify(last ?? '');
  return request.response_format?.type === 'json_object' ? { echo: text } : `echo: ${text}`;
};

/** The fake's embedding of `text`: deterministic pseudo-random unit vector seeded by its sha256. */
export function pseudoEmbedding(text: string, dim: number): number[] {
  const seed = createHash('sha256').update(text).digest();
  let [a, b, c, d] = [0, 4, 8, 12].map((o) => seed.readUInt32LE(o) || 1) as [number, number, number, number];
  const vector: number[] = [];
  for (let i = 0; i < dim; i++) {
    const t = (a ^ (a << 11)) >>> 0; // xorshift128
    [a, b, c] = [b, c, d];
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    vector.push(d / 0x80000000 - 1);
  }
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
  return vector.map((v) => v / norm);
}

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;

export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAiServer> {
  const faults: Array<FakeFault & { times: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const requests: RecordedRequest[] = [];
  const models = options.models ?? ['fake-chat', 'fake-embed'];
  let completions = 0;

  const sendJson = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const sendError = (res: http.ServerResponse, status: number, message: string, headers?: Record<string, string>) => {
    const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
    sendJson(res, status, { error: { message, type, param: null, code: null } }, headers);
  };

  function takeFault(path: string): FakeFault | undefined {
    const fault = faults.find((f) => f.times > 0 && (f.path === undefined || path.endsWith(f.path)));
    if (fault) fault.times--;
    return fault;
  }

  async function chat(body: FakeChatRequest, malformed: boolean): Promise<unknown> {
    const reply = malformed ? '{"intent": "search", "queries": ["unterminated' : await server.respond(body);
    const calls = typeof reply === 'object' && TOOL_CALLS in reply ? reply[TOOL_CALLS] : undefined;
    const content = calls ? null : typeof reply === 'string' ? reply : JSON.stringify(reply);
    const prompt = body.messages.reduce((n, m) => n + (typeof m.content === 'string' ? words(m.content) : 0), 0);
    const completion = content === null ? 0 : words(content);
    completions++;
    return {
      id: `chatcmpl-fake-${completions}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content,
            refusal: null,
            ...(calls && {
              tool_calls: calls.map((call, i) => ({
                id: call.id ?? `call_${completions}_${i}`,
                type: 'function',
                function: { name: call.name, arguments: JSON.stringify(call.arguments) },
              })),
            }),
          },
          finish_reason: calls ? 'tool_calls' : 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    };
  }

  function embeddings(body: { model?: string; input?: unknown; dimensions?: number; encoding_format?: string }) {
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    const dim = body.dimensions ?? server.embeddingDim;
    const data = (inputs as string[]).map((text, index) => {
      const vector = pseudoEmbedding(text, dim);
      const embedding =
        body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = (inputs as string[]).reduce((n, t) => n + words(t), 0);
    return { object: 'list', model: body.model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      requests.push({ method: req.method ?? '', path, headers: req.headers, body: raw, at: Date.now() });
      return sendError(res, 400, 'request body is not valid JSON');
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, body, at: Date.now() };
    requests.push(recorded);
    res.on('close', () => {
      if (!res.writableEnded) recorded.aborted = true;
    });

    const fault = takeFault(path);
    if (fault && 'delayMs' in fault) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, fault.delayMs);
        timers.add(timer);
      });
      if (res.destroyed || res.writableEnded) return;
    }
    if (fault && 'status' in fault) {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      return sendError(res, fault.status, fault.message ?? `injected ${fault.status}`, headers);
    }
    const malformed = fault !== undefined && 'malformedJson' in fault;

    const route = `${req.method} ${path}`;
    if (route === 'GET /v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake-openai' })),
      });
    }
    if (route === 'POST /v1/chat/completions') {
      const request = body as FakeChatRequest | undefined;
      if (!request || !Array.isArray(request.messages) || typeof request.model !== 'string') {
        return sendError(res, 400, "'model' and 'messages' are required");
      }
      if ((request as { stream?: unknown }).stream)
        return sendError(res, 400, 'streaming is not supported by the fake');
      return sendJson(res, 200, await chat(request, malformed));
    }
    if (route === 'POST /v1/embeddings') {
      const request = body as { input?: unknown } | undefined;
      const input = request?.input;
      const valid = typeof input === 'string' || (Array.isArray(input) && input.every((t) => typeof t === 'string'));
      if (!valid) return sendError(res, 400, "'input' must be a string or an array of strings");
      if (malformed) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('{"object": "list", "data": [');
      }
      return sendJson(res, 200, embeddings(request as Parameters<typeof embeddings>[0]));
    }
    return sendError(res, 404, `no route ${route}`);
  }

  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        sendError(res, 500, `fake-openai handler failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;

  const server: FakeOpenAiServer = {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    respond: options.respond ?? echoRespond,
    embeddingDim: options.embeddingDim ?? 64,
    inject(fault) {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve, reject) => httpServer.close((err) => (err ? reject(err) : resolve())));
    },
  };
  return server;
}
