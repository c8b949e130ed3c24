/** How much of a file's start is inspected: enough for the header of every common binary format. */
export const BINARY_SNIFF_BYTES = 8 * 1024;

/** Share of control characters above which a sample is binary; real text has almost none. */
const MAX_CONTROL_RATIO = 0.1;

/** Tab, line feed, vertical tab, form feed, carriage return: control bytes that text does contain. */
const TEXT_CONTROL_BYTES = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/**
 * Whether `bytes` look like a binary file: a NUL byte, or more than 10% control characters, in the
 * first 8 KiB. Bytes ≥ 0x80 are not counted: they are UTF-8 text, whose validity is checked apart.
 */
export function looksBinary(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, BINARY_SNIFF_BYTES);
  let control = 0;
  for (const byte of sample) {
    if (byte === 0x00) return true;
    if ((byte < 0x20 && !TEXT_CONTROL_BYTES.has(byte)) || byte === 0x7f) control += 1;
  }
  return sample.length > 0 && control / sample.length > MAX_CONTROL_RATIO;
}
