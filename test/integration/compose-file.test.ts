import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../config/config';

const FILE = path.join(REPO_ROOT, 'temporal-dev.yml');

/** `docker compose` (v2 plugin) or the standalone `docker-compose`, whichever this machine has. */
function composeCommand(): string[] | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return cmd;
  }
  return undefined;
}

const compose = composeCommand();

test(
  'temporal-dev.yml is a valid compose file with the full stack',
  { skip: compose ? false : 'no docker compose client on this machine' },
  () => {
    const [bin, ...pre] = compose!;
    const check = spawnSync(bin!, [...pre, '-f', FILE, 'config', '-q'], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    const services = spawnSync(bin!, [...pre, '-f', FILE, 'config', '--services'], { encoding: 'utf8' });
    assert.deepEqual(services.stdout.trim().split('\n').sort(), [
      'etcd',
      'memflow-worker',
      'milvus',
      'minio',
      'postgresql',
      'temporal',
      'temporal-ui',
    ]);
  },
);
