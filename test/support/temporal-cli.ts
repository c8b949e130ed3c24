import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MemflowConfig } from '../../config/config';
import { REPO_ROOT } from '../../config/config';

/**
 * `temporal workflow show --output json` of the run's stack, as a developer runs it: with
 * `codecEndpoint`, payloads are decoded by that remote codec (what a key holder sees).
 */
export async function workflowShowJson(
  config: MemflowConfig,
  workflowId: string,
  codecEndpoint?: string,
): Promise<string> {
  const args = ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json'];
  args.push('--address', config.temporal.address, '--namespace', config.temporal.namespace);
  if (codecEndpoint) args.push('--codec-endpoint', codecEndpoint);
  const { stdout } = await promisify(execFile)(path.join(config.paths.venv, 'bin', 'temporal'), args, {
    maxBuffer: 64 * 1024 * 1024,
    // The CLI reads TEMPORAL_* variables too; only the flags above may say where to go.
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  return stdout;
}

/**
 * Everything a `grep` of a history could find: the JSON text itself and every string in it that is
 * base64, decoded (payload data and metadata are base64 in proto JSON, so a plaintext payload would
 * otherwise hide from a plain search).
 */
export function searchableText(json: string): string {
  const parts = [json];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= 4 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
        parts.push(Buffer.from(value, 'base64').toString('utf8'));
      }
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(JSON.parse(json));
  return parts.join('\n');
}

export interface CodecServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `memflow codec-server --port 0 --json` as a child process, resolved with its URL once it listens. */
export async function spawnCodecServer(env: NodeJS.ProcessEnv = {}): Promise<CodecServerProcess> {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bin', 'memflow.js'), 'codec-server', '--port', '0', '--json'],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`codec-server did not start:\n${stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`codec-server exited with ${code}:\n${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
  };
}
