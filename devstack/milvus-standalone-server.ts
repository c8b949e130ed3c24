/**
 * Milvus standalone 2.3 (PyPI `milvus`) as memflow's local Milvus when MILVUS_FLAVOR=standalone:
 * one process with embedded etcd, RocksMQ and local storage under `<home>/data/milvus-standalone`.
 * It listens on eleven ports (gRPC API, etcd client and peer, one per coordinator and node, metrics);
 * all but the API port are picked free at each start, so several run side by side. It binds them
 * on all interfaces, without auth: for development machines only.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { MILVUS, checkMilvus, runningMilvusOrFreePort } from './milvus-server';
import type { MilvusStandaloneFiles } from './milvus-standalone-install';
import { freePort, waitUntil } from './net';
import type { ProcessRecord } from './processes';
import { isProcessAlive, startDetached, tailFile } from './processes';

/** Template placeholders that are listen ports, besides `proxy_port` (the API, MILVUS_ADDRESS). */
const INTERNAL_PORTS = [
  'etcd_port',
  'root_coord_port',
  'proxy_internal_port',
  'query_coord_port',
  'query_node_port',
  'index_coord_port',
  'index_node_port',
  'data_coord_port',
  'data_node_port',
] as const;

/**
 * Fills the wheel's milvus.yaml template: `{{ name }}`, `{{ name(type) }}` or `{{ name(type): default }}`
 * becomes `values[name]`, else the default; a placeholder with neither is an error.
 */
export function renderMilvusConfig(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_match, inner: string) => {
    const colon = inner.indexOf(':');
    const name = (colon < 0 ? inner : inner.slice(0, colon)).replace(/\(.*\)/, '').trim();
    if (name in values) return String(values[name]);
    if (colon < 0) throw new Error(`milvus.yaml template: no value for ${name}`);
    return inner.slice(colon + 1).trim();
  });
}

/** `count` distinct free ports, none of them in `taken`. */
async function distinctFreePorts(count: number, taken: number[]): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port) && !taken.includes(port)) ports.push(port);
  }
  return ports;
}

async function healthz(port: number): Promise<boolean> {
  const reply = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
  return reply.ok && (await reply.text()).includes('OK');
}

/**
 * Starts Milvus standalone unless this home's Milvus already runs (then waits for it to be
 * healthy). Stop it with `stopMilvus`. It writes a pid file to /run/milvus (or /tmp/milvus)
 * whatever the data folder.
 */
export async function startMilvusStandalone(
  config: MemflowConfig,
  files: MilvusStandaloneFiles,
): Promise<{ record: ProcessRecord; started: boolean }> {
  const existing = await runningMilvusOrFreePort(config, files.binary, 120_000);
  if (existing) return { record: existing, started: false };
  const { port } = config.milvus;
  const dir = path.join(config.paths.data, 'milvus-standalone');
  const [etcdPeer = 0, metrics = 0, ...internal] = await distinctFreePorts(INTERNAL_PORTS.length + 2, [port]);
  const ports = Object.fromEntries(INTERNAL_PORTS.map((name, i) => [name, internal[i]!]));
  const etcdClient = ports.etcd_port!;
  for (const sub of ['configs', 'logs', 'data']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const yaml = renderMilvusConfig(fs.readFileSync(files.configTemplate, 'utf8'), {
    ...ports,
    proxy_port: port,
    etcd_log_level: 'warn',
    etcd_log_path: path.join(dir, 'logs', 'etcd.log'),
    etcd_data_dir: path.join(dir, 'data', 'etcd'),
    local_storage_dir: path.join(dir, 'data', 'storage'),
    rocksmq_data_dir: path.join(dir, 'data', 'rocksmq'),
    system_log_path: '', // Go logs to stdout, i.e. the service log
  });
  fs.writeFileSync(path.join(dir, 'configs', 'milvus.yaml'), yaml);
  fs.copyFileSync(files.glogConf, path.join(dir, 'configs', 'glog.conf'));
  // Milvus embeds etcd with etcd's own defaults (peer port 2380) unless given an etcd config file.
  const etcdConfig = path.join(dir, 'configs', 'embed-etcd.yaml');
  fs.writeFileSync(
    etcdConfig,
    [
      `listen-client-urls: http://127.0.0.1:${etcdClient}`,
      `advertise-client-urls: http://127.0.0.1:${etcdClient}`,
      `listen-peer-urls: http://127.0.0.1:${etcdPeer}`,
      `initial-advertise-peer-urls: http://127.0.0.1:${etcdPeer}`,
      `initial-cluster: default=http://127.0.0.1:${etcdPeer}`,
      '',
    ].join('\n'),
  );
  const record = startDetached({
    name: MILVUS,
    command: files.binary,
    args: ['run', 'standalone'],
    cwd: dir, // glog writes to ./logs
    // Milvus reads any config key from an environment variable of the same name (`common.x` from
    // COMMON_X), so it gets only these, not the caller's environment.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LD_LIBRARY_PATH: files.libDir,
      DEPLOY_MODE: 'STANDALONE',
      MILVUSCONF: `${path.join(dir, 'configs')}/`,
      METRICS_PORT: String(metrics),
      ETCD_CONFIG_PATH: etcdConfig,
    },
    runDir: config.paths.run,
    logDir: config.paths.logs,
  });
  await waitUntil('Milvus standalone', async () => (await healthz(metrics)) && (await checkMilvus(config)) >= 0, {
    timeoutMs: 180_000,
    intervalMs: 500,
    giveUp: () => (isProcessAlive(record.pid) ? undefined : 'the process exited'),
    hint: () => `Milvus log (${record.logFile}):\n${tailFile(record.logFile)}`,
  });
  return { record, started: true };
}
