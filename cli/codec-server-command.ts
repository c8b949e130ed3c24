import type { MemflowConfig } from '../config/config';
import { MemflowError } from '../contracts/errors';
import { startCodecServer } from '../adapters/temporal/codec-server';
import { payloadCodec } from '../adapters/temporal/data-converter';
import type { CliContext } from './main';
import { VALUE, parseCommand, usageError } from './parse-command';

const USAGE = 'Usage: memflow codec-server [--port P] [--origin URL…] [--json]';
/** The port of Temporal's encryption samples' codec servers, which the UI's docs suggest too. */
const DEFAULT_PORT = 8888;

/**
 * The Temporal UI's origins as a browser names them: the configured UI URL's, and its twin on the
 * other loopback name (the UI at `localhost:8233` has another origin than at `127.0.0.1:8233`).
 */
export function defaultOrigins(uiUrl: string): string[] {
  const ui = new URL(uiUrl);
  const origins = [ui.origin];
  const twin = ui.hostname === '127.0.0.1' ? 'localhost' : ui.hostname === 'localhost' ? '127.0.0.1' : undefined;
  if (twin) origins.push(`${ui.protocol}//${twin}${ui.port ? `:${ui.port}` : ''}`);
  return origins;
}

/**
 * `memflow codec-server`: decrypts payloads for the Temporal UI and the `temporal` CLI of a
 * developer who holds the keys (adapters/temporal/codec-server.ts), on 127.0.0.1, until Ctrl-C.
 */
export async function codecServerCommand(config: MemflowConfig, argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    { port: VALUE, origin: { type: 'string', multiple: true } },
    USAGE,
  );
  if (positionals.length > 0) throw usageError(USAGE);
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(USAGE, `--port must be 0-65535`);
  const origins = (values.origin ?? defaultOrigins(config.temporal.uiUrl)).map((o) => {
    try {
      return new URL(o).origin;
    } catch {
      throw usageError(USAGE, `--origin ${o} is not a URL`);
    }
  });
  const codec = payloadCodec(config);
  if (!codec) {
    throw new MemflowError('CONFIG_INVALID', 'MEMFLOW_CODEC=off: there is nothing to decode, so no codec server.');
  }
  const server = await startCodecServer({ codec, namespace: config.temporal.namespace, origins, port }).catch(
    (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      throw new MemflowError('PORT_TAKEN', `Port 127.0.0.1:${port} is taken: choose another with --port.`);
    },
  );
  const keyIds = config.codec.keys.map((k) => k.id);
  if (ctx.json) {
    ctx.print(JSON.stringify({ url: server.url, namespace: config.temporal.namespace, origins, keyIds }));
  } else {
    ctx.print(
      [
        `memflow codec server: ${server.url} (namespace ${config.temporal.namespace}; keys ${keyIds.join(', ')})`,
        `  Temporal UI: set "Remote Codec Endpoint" to ${server.url} (browsers allowed from ${origins.join(', ')})`,
        `  temporal CLI: temporal workflow show -w <id> --codec-endpoint ${server.url}`,
        '  Ctrl-C stops it.',
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
