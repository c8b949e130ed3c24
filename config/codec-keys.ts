import crypto from 'node:crypto';
import fs from 'node:fs';
import { MemflowError } from '../contracts/errors';

/**
 * The keys memflow encrypts Temporal payloads with (adapters/temporal/payload-codec.ts). Written as
 * `<keyId>:<base64 of 32 bytes>`, several separated by commas or new lines: the first encrypts, all
 * decrypt, so a key is rotated by putting a new one first and keeping the old ones until no
 * history that needs them is left.
 */
export interface CodecKey {
  /** Recorded in each payload's metadata (`encryption-key-id`), in plaintext: never secret. */
  readonly id: string;
  /** The AES-256 key. Not enumerable, so printing or serializing a config never shows it. */
  readonly bytes: Buffer;
}

export const CODEC_KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

function codecKey(id: string, bytes: Buffer): CodecKey {
  const key = { id } as CodecKey;
  Object.defineProperty(key, 'bytes', { value: bytes, enumerable: false });
  return key;
}

/**
 * Parses a key list. Problems are reported by position and key id, never with the key material,
 * since the message ends up on a terminal or in a log. `where` names the source (the variable or
 * the file) in the message.
 */
export function parseCodecKeys(text: string, where: string): CodecKey[] {
  const entries = text
    .split('\n')
    .flatMap((line) => line.replace(/#.*$/, '').split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const problems: string[] = [];
  const keys: CodecKey[] = [];
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const material = colon < 0 ? '' : entry.slice(colon + 1).trim();
    const label = `key ${index + 1}${KEY_ID.test(id) ? ` ("${id}")` : ''}`;
    if (!KEY_ID.test(id)) {
      problems.push(`${label}: expected <keyId>:<base64 key>, the id 1-64 letters, digits, '.', '_' or '-'`);
      return;
    }
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(material) ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (bytes.length !== CODEC_KEY_BYTES) {
      problems.push(`${label}: the key must be base64 of exactly ${CODEC_KEY_BYTES} bytes (openssl rand -base64 32)`);
      return;
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`${label}: the id is used twice (each id must name one key)`);
      return;
    }
    keys.push(codecKey(id, bytes));
  });
  if (entries.length === 0) problems.push('no key: expected <keyId>:<base64 key>[,<keyId>:<base64 key>…]');
  if (problems.length > 0) {
    throw new MemflowError(
      'CONFIG_INVALID',
      `Invalid memflow configuration:\n  ${where}: ${problems.join(`\n  ${where}: `)}\nFix the keys above.`,
    );
  }
  return keys;
}

/**
 * Reads the developer machine's key file, or undefined when there is none. It must be readable by
 * its owner only (like an SSH key): a key others can read protects nothing.
 */
export function readCodecKeyFile(file: string): CodecKey[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MemflowError('CONFIG_INVALID', `Cannot read the codec key file ${file}: ${(err as Error).message}`);
  }
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
    throw new MemflowError(
      'CONFIG_INVALID',
      `The codec key file ${file} can be read by other users: run \`chmod 600 ${file}\`.`,
    );
  }
  return parseCodecKeys(text, file);
}

/** A new random key as one `<keyId>:<base64>` entry; the id says where and when it was made. */
export function generateCodecKey(prefix = 'local'): string {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const id = `${prefix}-${day}-${crypto.randomBytes(3).toString('hex')}`;
  return `${id}:${crypto.randomBytes(CODEC_KEY_BYTES).toString('base64')}`;
}
