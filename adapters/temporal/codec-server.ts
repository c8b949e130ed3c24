import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { errorMessage, isMemflowError } from '../../contracts/errors';

/**
 * Temporal's remote codec protocol over HTTP, for the Temporal UI ("Remote Codec Endpoint") and
 * `temporal … --codec-endpoint`: `POST <endpoint>/decode` and `/encode` take and return
 * `{ "payloads": [{ "metadata": { "<key>": "<base64>" }, "data": "<base64>" }] }` (Payloads in
 * proto3 JSON). Whoever reaches it can have any payload decrypted, so it is built to be reachable
 * from this machine's browser and CLI only:
 * - it listens on 127.0.0.1 (the caller cannot choose another interface);
 * - requests whose `Host` is not a loopback name are refused, so a web page cannot reach it by
 *   DNS rebinding (a name of the attacker's that resolves to 127.0.0.1);
 * - browsers may call it from the configured origins only (CORS, preflight included), and a request
 *   from another origin is refused before anything is decoded;
 * - `X-Namespace`, which the UI and the CLI send, must name the namespace the keys belong to.
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The namespace whose payloads the keys encrypt. */
  namespace: string;
  /** Browser origins allowed to call it, e.g. the Temporal UI's `http://127.0.0.1:8233`. */
  origins: readonly string[];
  /** 0 picks a free port. */
  port: number;
}

export interface CodecServer {
  /** The endpoint to configure, e.g. `http://127.0.0.1:8888`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

const HOST = '127.0.0.1';
/** A history page's payloads, with room: Temporal's own gRPC limit is 4 MB. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'BAD_REQUEST',
  ) {
    super(message);
  }
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  let port = options.port;
  const server = http.createServer((req, res) => {
    handle(req, res, options, port).catch((err: unknown) => {
      const problem = toProblem(err);
      sendJson(
        res,
        problem.status,
        { error: { code: problem.code, message: problem.message } },
        corsHeaders(req, options),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: CodecServerOptions,
  port: number,
): Promise<void> {
  const loopbackHosts = [`${HOST}:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (!loopbackHosts.includes((req.headers.host ?? '').toLowerCase())) {
    throw new HttpProblem(
      403,
      `Host ${JSON.stringify(req.headers.host ?? '')} is not this machine's loopback address.`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !options.origins.includes(origin)) {
    throw new HttpProblem(
      403,
      `Origin ${origin} may not use this codec server; start it with --origin ${origin} to allow it.`,
    );
  }
  const cors = corsHeaders(req, options);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { ...cors, 'access-control-max-age': '600' });
    res.end();
    return;
  }
  const pathname = new URL(req.url ?? '/', `http://${HOST}`).pathname.replace(/\/+$/, '');
  const operation = pathname.endsWith('/decode') ? 'decode' : pathname.endsWith('/encode') ? 'encode' : undefined;
  if (operation === undefined) throw new HttpProblem(404, 'Use POST /decode or POST /encode.', 'NOT_FOUND');
  if (req.method !== 'POST') throw new HttpProblem(405, `Use POST ${pathname}.`, 'METHOD_NOT_ALLOWED');
  const namespace = req.headers['x-namespace'];
  if (typeof namespace === 'string' && namespace !== '' && namespace !== options.namespace) {
    throw new HttpProblem(
      403,
      `This codec server holds the keys of namespace ${options.namespace}, not ${namespace}.`,
      'FORBIDDEN',
    );
  }
  const payloads = parseBody(await readBody(req)).map(fromJson);
  const out = operation === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
  sendJson(res, 200, { payloads: out.map(toJson) }, cors);
}

function corsHeaders(req: http.IncomingMessage, options: CodecServerOptions): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined || !options.origins.includes(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization',
    // The UI's "include cross-origin credentials" setting sends cookies; harmless with one exact origin.
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpProblem(413, `The body is over ${MAX_BODY_BYTES} bytes.`, 'TOO_LARGE'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string): JsonPayload[] {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new HttpProblem(400, 'The body is not JSON: expected {"payloads": [...]}.');
  }
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new HttpProblem(400, 'Expected {"payloads": [...]}.');
  for (const p of payloads as unknown[]) {
    const { metadata, data } = (p ?? {}) as Record<string, unknown>;
    const metadataOk =
      metadata === undefined ||
      metadata === null ||
      (typeof metadata === 'object' && Object.values(metadata).every((v) => typeof v === 'string'));
    if (typeof p !== 'object' || !metadataOk || !(data === undefined || data === null || typeof data === 'string')) {
      throw new HttpProblem(400, 'Each payload is {"metadata": {"<key>": "<base64>"}, "data": "<base64>"}.');
    }
  }
  return payloads as JsonPayload[];
}

function fromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

function toJson({ metadata, data }: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  };
}

function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  // A payload encrypted with a key this server lacks, or altered: the request's fault, typed.
  if (isMemflowError(err)) return new HttpProblem(400, err.message, err.code);
  return new HttpProblem(500, errorMessage(err), 'INTERNAL');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
