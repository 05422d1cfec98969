import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import { CheckpointError } from '../errors.js';

const MAGIC = 0x4453434b; // "DSCK"
export const CHECKPOINT_FORMAT_VERSION = 1;
const HEADER = 16;

/**
 * A checkpoint file: magic, format version, CRC-32 and length of the body, then the body in V8's
 * structured-clone format (records and state may be Maps, Dates, bigints, typed arrays…).
 * A truncated or corrupt file fails the CRC check and is never read as data.
 */
export function encodeCheckpoint(payload: unknown): Uint8Array {
  const body = serialize(payload);
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt32BE(CHECKPOINT_FORMAT_VERSION, 4);
  out.writeUInt32BE(crc32(body), 8);
  out.writeUInt32BE(body.length, 12);
  body.copy(out, HEADER);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array, name: string): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER || buf.readUInt32BE(0) !== MAGIC)
    throw new CheckpointError(`${name} is not a dstream checkpoint`);
  const version = buf.readUInt32BE(4);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(
      `${name} has checkpoint format ${version}; this version of @dstream/core reads ${CHECKPOINT_FORMAT_VERSION}`,
    );
  }
  const length = buf.readUInt32BE(12);
  if (buf.length !== HEADER + length) {
    throw new CheckpointError(`${name} is truncated: ${buf.length - HEADER} of ${length} bytes`);
  }
  const body = buf.subarray(HEADER);
  if (crc32(body) !== buf.readUInt32BE(8)) throw new CheckpointError(`${name} is corrupt: CRC mismatch`);
  try {
    return deserialize(body);
  } catch (error) {
    throw new CheckpointError(`${name} could not be decoded: ${String(error)}`, { cause: error });
  }
}
