import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What memflow records about a service it started, in `<home>/run/<name>.json`. */
export interface ProcessRecord {
  name: string;
  pid: number;
  command: string;
  args: string[];
  startedAt: string;
  logFile: string;
}

export function recordPath(runDir: string, name: string): string {
  return path.join(runDir, `${name}.json`);
}

export function readRecord(runDir: string, name: string): ProcessRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(recordPath(runDir, name), 'utf8')) as ProcessRecord;
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is alive and still runs `command` (guards against a recycled pid after a reboot).
 */
export function isProcessAlive(pid: number, command?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (command === undefined) return true;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(path.basename(command));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** The live record for `name`, or undefined when it is not running (a stale record is removed). */
export function runningRecord(runDir: string, name: string): ProcessRecord | undefined {
  const record = readRecord(runDir, name);
  if (!record) return undefined;
  if (isProcessAlive(record.pid, record.command)) return record;
  fs.rmSync(recordPath(runDir, name), { force: true });
  return undefined;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  runDir: string;
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts a long-lived service in its own process group, detached from this CLI, logging to a file. */
export function startDetached(options: StartOptions): ProcessRecord {
  fs.mkdirSync(options.runDir, { recursive: true });
  fs.mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const log = fs.openSync(logFile, 'a');
  fs.writeSync(log, `\n--- ${new Date().toISOString()} starting ${options.command} ${options.args.join(' ')}\n`);
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${options.command}`);
  child.unref();
  const record: ProcessRecord = {
    name: options.name,
    pid: child.pid,
    command: options.command,
    args: options.args,
    startedAt: new Date().toISOString(),
    logFile,
  };
  fs.writeFileSync(recordPath(options.runDir, options.name), JSON.stringify(record, null, 2));
  return record;
}

/**
 * Stops a service with the signal that lets it persist its state, waiting up to `timeoutMs`;
 * SIGKILL only as a last resort (reported in the result).
 */
export async function stopProcess(
  runDir: string,
  name: string,
  signal: NodeJS.Signals,
  timeoutMs = 20_000,
): Promise<'stopped' | 'killed' | 'not-running'> {
  const record = runningRecord(runDir, name);
  if (!record) return 'not-running';
  process.kill(record.pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(record.pid)) {
      fs.rmSync(recordPath(runDir, name), { force: true });
      return 'stopped';
    }
    await sleep(100);
  }
  process.kill(record.pid, 'SIGKILL');
  fs.rmSync(recordPath(runDir, name), { force: true });
  return 'killed';
}

export function tailFile(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
