import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKey } from '../../config/codec-keys';
import { MemflowError } from '../../contracts/errors';

/** Temporal's convention for an encrypted payload (the SDK samples' encryption codecs, the UI). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with, so keys can rotate. */
export const KEY_ID_METADATA = 'encryption-key-id';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/**
 * AES-256-GCM over whole payloads: the original payload (its metadata, so its encoding, and its
 * data) is serialized as a protobuf `Payload` and encrypted; the wire payload is
 * `encoding: binary/encrypted`, `encryption-key-id: <id>` and `nonce ‖ ciphertext ‖ tag` as data.
 * That is the layout of Temporal's Go and Python encryption samples, so their codec servers, given
 * the same key, read memflow's payloads too. GCM authenticates: a payload altered in the server's
 * database fails to decode instead of decoding to something else.
 *
 * Encodes with the first key; decodes with whichever key the payload names. Payloads that are not
 * encrypted pass through `decode` unchanged: histories written before the codec was on (or by a
 * process with `MEMFLOW_CODEC=off`) stay readable and replayable.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly encryptWith: CodecKey;

  constructor(keys: readonly CodecKey[]) {
    const [first] = keys;
    if (!first) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.encryptWith = first;
    this.keys = new Map(keys.map((k) => [k.id, k.bytes]));
  }

  /** The id of the key new payloads are encrypted with. */
  get encryptionKeyId(): string {
    return this.encryptWith.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const nonce = crypto.randomBytes(NONCE_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.encryptWith.bytes, nonce, { authTagLength: TAG_BYTES });
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: utf8.encode(this.encryptWith.id),
      },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) {
      throw new MemflowError('CODEC_PAYLOAD_INVALID', `An encrypted payload carries no ${KEY_ID_METADATA}.`);
    }
    const keyId = text.decode(idBytes);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new MemflowError(
        'CODEC_KEY_UNKNOWN',
        `A payload is encrypted with codec key "${keyId}", which this process does not hold ` +
          `(it has ${[...this.keys.keys()].map((id) => `"${id}"`).join(', ')}). ` +
          `Add that key to MEMFLOW_CODEC_KEYS after the current one (<keyId>:<base64 key>, comma-separated): ` +
          'the first key encrypts, all of them decrypt.',
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      throw new MemflowError('CODEC_PAYLOAD_INVALID', `An encrypted payload (key "${keyId}") is too short.`);
    }
    const nonce = data.subarray(0, NONCE_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new MemflowError(
        'CODEC_PAYLOAD_INVALID',
        `An encrypted payload failed authentication with codec key "${keyId}": it was altered, or the ` +
          'key of that id has other bytes here than where it was encrypted.',
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && text.decode(encoding) === ENCRYPTED_ENCODING;
}
