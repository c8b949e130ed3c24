import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { generateCodecKey, parseCodecKeys } from '../../config/codec-keys';
import { loadConfig } from '../../config/config';
import { MemflowError } from '../../contracts/errors';
import { payloadCodec } from '../../adapters/temporal/data-converter';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../adapters/temporal/payload-codec';

const keyLine = (id: string) => `${id}:${crypto.randomBytes(32).toString('base64')}`;
const [A, B] = [keyLine('key-a'), keyLine('key-b')];
const codecOf = (...lines: string[]) => new AesGcmPayloadCodec(parseCodecKeys(lines.join(','), 'test'));
const SECRET_TEXT = 'my card number is 4111 1111 1111 1111';
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload | undefined): unknown => defaultPayloadConverter.fromPayload(payload!);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

function codecError(code: string) {
  return (err: unknown) => err instanceof MemflowError && err.code === code && err.retryable === false;
}

describe('AES-256-GCM payload codec', () => {
  it('round-trips payloads, and what it sends holds neither the value nor its encoding in plaintext', async () => {
    const codec = codecOf(A);
    const originals = [payloadOf({ text: SECRET_TEXT }), payloadOf(undefined), payloadOf(new Uint8Array([0, 1, 2]))];
    const encoded = await codec.encode(originals);
    for (const p of encoded) {
      assert.equal(text(p.metadata?.encoding), ENCRYPTED_ENCODING);
      assert.equal(text(p.metadata?.[KEY_ID_METADATA]), 'key-a');
      assert.deepEqual(Object.keys(p.metadata ?? {}).sort(), ['encoding', KEY_ID_METADATA].sort());
      assert.doesNotMatch(text(p.data), /4111|json\/plain|binary\/null/);
    }
    const decoded = await codec.decode(encoded);
    assert.deepEqual(valueOf(decoded[0]), { text: SECRET_TEXT });
    assert.equal(valueOf(decoded[1]), undefined);
    assert.deepEqual([...(valueOf(decoded[2]) as Uint8Array)], [0, 1, 2]);
    const [again] = await codec.encode([originals[0]!]);
    assert.notDeepEqual(again?.data, encoded[0]?.data, 'a fresh nonce per payload');
  });

  it('a tampered ciphertext, tag or nonce fails authentication with a typed error', async () => {
    const codec = codecOf(A);
    const [sealed] = await codec.encode([payloadOf({ text: SECRET_TEXT })]);
    const length = sealed!.data!.length;
    for (const at of [0, 12, Math.floor(length / 2), length - 1]) {
      const data = Buffer.from(sealed!.data!);
      data[at] = data[at]! ^ 0x01;
      await assert.rejects(codec.decode([{ ...sealed, data }]), codecError('CODEC_PAYLOAD_INVALID'), `byte ${at}`);
    }
    await assert.rejects(
      codec.decode([{ ...sealed, data: sealed!.data!.subarray(0, 20) }]),
      codecError('CODEC_PAYLOAD_INVALID'),
    );
  });

  it('rotation: with B first it encrypts with B and still decrypts what A encrypted', async () => {
    const [oldPayload] = await codecOf(A).encode([payloadOf('before rotation')]);
    const rotated = codecOf(B, A);
    const [newPayload] = await rotated.encode([payloadOf('after rotation')]);
    assert.equal(text(newPayload?.metadata?.[KEY_ID_METADATA]), 'key-b');
    const decoded = await rotated.decode([oldPayload!, newPayload!]);
    assert.deepEqual(decoded.map(valueOf), ['before rotation', 'after rotation']);
  });

  it('a payload encrypted with a key id it does not hold fails with CODEC_KEY_UNKNOWN, naming the id', async () => {
    const [fromB] = await codecOf(B).encode([payloadOf('x')]);
    await assert.rejects(codecOf(A).decode([fromB!]), (err: unknown) => {
      assert.ok(codecError('CODEC_KEY_UNKNOWN')(err));
      assert.match((err as Error).message, /"key-b".*MEMFLOW_CODEC_KEYS/s);
      return true;
    });
    // The same id with other bytes is not "unknown": it fails authentication.
    const [fromOtherA] = await codecOf(keyLine('key-a')).encode([payloadOf('x')]);
    await assert.rejects(codecOf(A).decode([fromOtherA!]), codecError('CODEC_PAYLOAD_INVALID'));
  });

  it('plaintext payloads (histories from before the codec) pass through decode unchanged', async () => {
    const plain = payloadOf({ text: 'old' });
    assert.deepEqual(await codecOf(A).decode([plain]), [plain]);
  });
});

describe('codec keys in the configuration', () => {
  it('parses a list, comments and new lines included; the key bytes never show when the config is printed', () => {
    const keys = parseCodecKeys(`# rotated 2026-11\n${B}\n${A} # old`, 'f');
    assert.deepEqual(
      keys.map((k) => k.id),
      ['key-b', 'key-a'],
    );
    const config = loadConfig({ MEMFLOW_CODEC_KEYS: `${A},${B}` });
    const material = A.split(':')[1]!;
    assert.equal(config.codec.keys[0]?.bytes.toString('base64'), material);
    assert.ok(!JSON.stringify(config).includes(material) && !inspect(config, { depth: 9 }).includes(material));
  });

  it('refuses bad keys naming the problem, without echoing key material', () => {
    const short = `short:${crypto.randomBytes(16).toString('base64')}`;
    for (const [value, problem] of [
      [short, /key 1 \("short"\).*exactly 32 bytes/],
      ['no-colon-here', /key 1: expected <keyId>:<base64 key>/],
      [`bad id!:${A.split(':')[1]}`, /key 1: expected <keyId>/],
      [`${A},${A}`, /key 2 \("key-a"\): the id is used twice/],
    ] as const) {
      assert.throws(
        () => loadConfig({ MEMFLOW_CODEC_KEYS: value }),
        (err: unknown) =>
          err instanceof MemflowError &&
          err.code === 'CONFIG_INVALID' &&
          problem.test(err.message) &&
          /MEMFLOW_CODEC_KEYS/.test(err.message) &&
          !err.message.includes(value.split(':')[1] ?? '\0'),
        value,
      );
    }
  });

  it('without a key, external mode refuses to build a client or worker codec and says to set MEMFLOW_CODEC_KEYS', () => {
    const external = loadConfig({ MEMFLOW_STACK_MODE: 'external', MEMFLOW_HOME: '/nonexistent' });
    assert.throws(
      () => payloadCodec(external),
      (err: unknown) =>
        err instanceof MemflowError && err.code === 'CONFIG_INVALID' && /set MEMFLOW_CODEC_KEYS/.test(err.message),
    );
    const local = loadConfig({ MEMFLOW_HOME: '/nonexistent' });
    assert.throws(() => payloadCodec(local), /memflow stack up/);
    assert.equal(payloadCodec(loadConfig({ MEMFLOW_CODEC: 'off', MEMFLOW_STACK_MODE: 'external' })), undefined);
    assert.equal(
      payloadCodec(loadConfig({ MEMFLOW_CODEC_KEYS: generateCodecKey() }))?.encryptionKeyId.startsWith('local-'),
      true,
    );
  });
});
