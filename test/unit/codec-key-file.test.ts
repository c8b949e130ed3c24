import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../config/config';
import { MemflowError } from '../../contracts/errors';
import { ensureCodecKeyFile } from '../../devstack/codec-key-file';

describe('the developer machine key file', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-codec-keys-'));
  after(() => fs.rmSync(home, { recursive: true, force: true }));
  const file = path.join(home, 'codec-keys');

  it('stack up creates it once, 0600, and local configuration reads it when MEMFLOW_CODEC_KEYS is unset', () => {
    assert.deepEqual(loadConfig({ MEMFLOW_HOME: home }).codec.keys, [], 'no key before');
    assert.equal(ensureCodecKeyFile(loadConfig({ MEMFLOW_HOME: home })), file);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const first = fs.readFileSync(file, 'utf8');
    assert.equal(ensureCodecKeyFile(loadConfig({ MEMFLOW_HOME: home })), undefined, 'never replaced');
    assert.equal(fs.readFileSync(file, 'utf8'), first);

    const config = loadConfig({ MEMFLOW_HOME: home });
    assert.equal(config.codec.source, file);
    assert.match(config.codec.keys[0]?.id ?? '', /^local-\d{8}-[0-9a-f]{6}$/);
    assert.deepEqual(fs.readdirSync(home), ['codec-keys'], 'no temporary file left behind');
  });

  it('MEMFLOW_CODEC_KEYS wins; external mode never reads the file; MEMFLOW_CODEC=off makes none', () => {
    const env = `prod-1:${Buffer.alloc(32, 7).toString('base64')}`;
    assert.equal(loadConfig({ MEMFLOW_HOME: home, MEMFLOW_CODEC_KEYS: env }).codec.keys[0]?.id, 'prod-1');
    assert.equal(ensureCodecKeyFile(loadConfig({ MEMFLOW_HOME: home, MEMFLOW_CODEC_KEYS: env })), undefined);
    assert.deepEqual(loadConfig({ MEMFLOW_HOME: home, MEMFLOW_STACK_MODE: 'external' }).codec.keys, []);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-codec-off-'));
    try {
      assert.equal(ensureCodecKeyFile(loadConfig({ MEMFLOW_HOME: other, MEMFLOW_CODEC: 'off' })), undefined);
      assert.deepEqual(fs.readdirSync(other), []);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('a key file other users can read is refused', () => {
    fs.chmodSync(file, 0o644);
    try {
      assert.throws(
        () => loadConfig({ MEMFLOW_HOME: home }),
        (err: unknown) => err instanceof MemflowError && err.code === 'CONFIG_INVALID' && /chmod 600/.test(err.message),
      );
    } finally {
      fs.chmodSync(file, 0o600);
    }
  });
});
