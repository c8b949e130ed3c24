import { formatWithOptions } from 'node:util';
import type { LogEntry } from '@temporalio/worker';
import { redactSecrets } from '../config/redact';

/**
 * The worker's log function: the SDK's default format (time, level, message, metadata on stderr)
 * with the configuration's secrets redacted from the whole line. The SDK logs the errors of failed
 * activities and workflow tasks with their causes, which quote what dependencies said; redacting
 * the finished line covers whatever part of it a secret hides in.
 */
export function redactingLogFunction(secrets: readonly string[]): (entry: LogEntry) => void {
  return ({ level, timestampNanos, message, meta }) => {
    const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
    const line = `${time} [${level}] ${message}${meta === undefined ? '' : ` ${formatWithOptions({ colors: false }, meta)}`}`;
    process.stderr.write(`${redactSecrets(line, secrets)}\n`);
  };
}
