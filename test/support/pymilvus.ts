import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { MemflowConfig } from '../../config/config';

export interface PymilvusField {
  name: string;
  is_partition_key?: boolean;
}

/**
 * A collection's fields as pymilvus (Milvus's own Python client, in the stack's venv) describes
 * them: an independent reading of the schema memflow created.
 */
export function pymilvusFields(config: MemflowConfig, collection: string): PymilvusField[] {
  const script = [
    'import json, sys',
    'from pymilvus import MilvusClient',
    'c = MilvusClient(uri="http://" + sys.argv[1])',
    'print(json.dumps([{"name": f["name"], "is_partition_key": bool(f.get("is_partition_key"))}',
    '                  for f in c.describe_collection(sys.argv[2])["fields"]]))',
  ].join('\n');
  const out = execFileSync(
    path.join(config.paths.venv, 'bin', 'python'),
    ['-c', script, config.milvus.address, collection],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as PymilvusField[];
}
