import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';

// kafkajs is CommonJS and these two are not detected as named exports by Node's ESM loader.
const { CompressionCodecs, CompressionTypes } = kafkajs;

type Codec = () => {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
};

const require = createRequire(import.meta.url);

/** Registers kafkajs codecs for snappy, lz4 and zstd (kafkajs ships only gzip). Idempotent. */
export function registerCodecs(): void {
  const snappy = require('kafkajs-snappy') as Codec;
  const LZ4Codec = require('@2l/kafkajs-lz4') as new () => { codec: Codec };
  const zstd = require('@mongodb-js/zstd') as {
    compress(buffer: Buffer, level: number): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  CompressionCodecs[CompressionTypes.Snappy] = snappy;
  CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { buffer: Buffer }) => zstd.compress(encoder.buffer, 3),
    decompress: (buffer: Buffer) => zstd.decompress(buffer),
  });
}
