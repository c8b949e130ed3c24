import fs from 'node:fs';
import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { generateCodecKey } from '../config/codec-keys';

/**
 * Creates the developer machine's payload codec key file (`<home>/codec-keys`, mode 0600) once,
 * with one random key, unless the keys come from MEMFLOW_CODEC_KEYS or the codec is off. Returns
 * the file when it was created. The file is written under another name and linked into place, so
 * two `stack up`s at once end with one complete key file, never a half-written one.
 */
export function ensureCodecKeyFile(config: MemflowConfig): string | undefined {
  if (!config.codec.enabled || config.codec.source !== undefined) return undefined;
  const file = config.codec.keyFile;
  if (fs.existsSync(file)) return undefined;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const text =
    '# memflow payload codec keys: <keyId>:<base64 32-byte key>, one per line; the first encrypts, all decrypt.\n' +
    "# Temporal holds this machine's workflow payloads encrypted with them: losing the file makes those unreadable.\n" +
    `${generateCodecKey()}\n`;
  fs.rmSync(tmp, { force: true }); // a leftover would keep its own mode
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return file;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
