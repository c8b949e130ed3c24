import type { DataConverter } from '@temporalio/common';
import type { MemflowConfig } from '../../config/config';
import { MemflowError } from '../../contracts/errors';
import { AesGcmPayloadCodec } from './payload-codec';

/** The module exporting `failureConverter`, loaded by the client, the worker and the workflow bundle. */
export const FAILURE_CONVERTER_PATH = require.resolve('../../contracts/failure-converter');

/**
 * The payload codec of this configuration, or undefined with `MEMFLOW_CODEC=off`. Without a key it
 * refuses, so no process ever falls back to plaintext by itself: in external mode the operator
 * must set MEMFLOW_CODEC_KEYS; on a developer machine `memflow stack up` creates the key file.
 */
export function payloadCodec(config: MemflowConfig): AesGcmPayloadCodec | undefined {
  if (!config.codec.enabled) return undefined;
  if (config.codec.keys.length === 0) {
    throw new MemflowError(
      'CONFIG_INVALID',
      config.stackMode === 'external'
        ? 'No payload codec key: set MEMFLOW_CODEC_KEYS to <keyId>:<base64 of 32 random bytes> ' +
            '(e.g. prod-1:$(openssl rand -base64 32)), the same on every worker and client; rotate by ' +
            'putting a new key first. memflow does not send payloads to Temporal in plaintext unless MEMFLOW_CODEC=off.'
        : `No payload codec key: ${config.codec.keyFile} does not exist. Run \`npx memflow stack up\`, ` +
            'which creates it once, or set MEMFLOW_CODEC_KEYS (<keyId>:<base64 of 32 random bytes>).',
    );
  }
  return new AesGcmPayloadCodec(config.codec.keys);
}

/**
 * The data converter of every memflow client and worker: payloads encrypted by the codec, failure
 * messages encoded so that the codec encrypts them too (contracts/failure-converter.ts).
 */
export function dataConverter(config: MemflowConfig): DataConverter {
  const codec = payloadCodec(config);
  return { payloadCodecs: codec ? [codec] : [], failureConverterPath: FAILURE_CONVERTER_PATH };
}
