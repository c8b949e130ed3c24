import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { MemflowConfig } from '../../config/config';
import { dataConverter } from './data-converter';

function connectionOptions(config: MemflowConfig) {
  return {
    address: config.temporal.address,
    tls: config.temporal.tls ? {} : undefined,
    apiKey: config.temporal.apiKey,
  };
}

/**
 * A client connection for starting workflows, sending updates and admin calls, with memflow's data
 * converter: what it sends is encrypted, what it reads is decrypted. Refuses (CONFIG_INVALID)
 * before connecting when the codec has no key.
 */
export async function connectClient(config: MemflowConfig): Promise<Client> {
  const converter = dataConverter(config);
  const connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: '5s' });
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter: converter });
}

/** The worker's native connection. */
export function connectWorker(config: MemflowConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}

/** Link to a workflow in the Temporal UI. */
export function workflowUrl(config: MemflowConfig, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}` : base;
}
