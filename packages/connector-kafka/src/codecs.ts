import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import type { KafkaCompression } from './kafka-client.js';

/**
 * kafkajs decompresses only gzip by itself: a topic written by a Java producer or kcat with snappy,
 * lz4 or zstd stops it with `KafkaJSNotImplemented`. We register codecs from optional packages; a
 * codec whose package is missing throws `MissingCodecError`, which the readers turn into an error
 * naming the topic, the codec and the package to install.
 */

const require = createRequire(import.meta.url);

interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

type CodecFactory = () => KafkajsCodec;

/** The package that supplies each codec, with the version tested here. */
export const codecPackages = {
  snappy: 'kafkajs-snappy@1.1.0',
  lz4: '@2l/kafkajs-lz4@1.3.2',
  zstd: '@mongodb-js/zstd@1.2.2',
} as const;

export type OptionalCodec = keyof typeof codecPackages;

/** Thrown (inside kafkajs' decoder) when a batch needs a codec whose package is not installed. */
export class MissingCodecError extends Error {
  constructor(
    readonly codec: OptionalCodec,
    readonly packageSpec: string,
  ) {
    super(`${codec} codec not installed: npm install ${packageSpec}`);
    this.name = 'MissingCodecError';
  }
}

/** Loads one module by name; injectable so that tests can simulate a missing package. */
export type ModuleLoader = (name: string) => unknown;

const loadSnappy = (load: ModuleLoader): CodecFactory => load('kafkajs-snappy') as CodecFactory;

const loadLz4 = (load: ModuleLoader): CodecFactory => {
  const Lz4Codec = load('@2l/kafkajs-lz4') as new () => { codec: CodecFactory };
  return new Lz4Codec().codec;
};

const loadZstd = (load: ModuleLoader): CodecFactory => {
  const zstd = load('@mongodb-js/zstd') as {
    compress(buffer: Buffer, level: number): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  const codec: KafkajsCodec = {
    compress: (encoder) => zstd.compress(encoder.buffer, 3),
    decompress: (buffer) => zstd.decompress(buffer),
  };
  return () => codec;
};

const missing =
  (codec: OptionalCodec): CodecFactory =>
  () => {
    throw new MissingCodecError(codec, codecPackages[codec]);
  };

/** Builds the codec factory for one optional codec, or one that throws MissingCodecError. */
export function codecFactory(codec: OptionalCodec, load: ModuleLoader = require): CodecFactory {
  try {
    if (codec === 'snappy') return loadSnappy(load);
    if (codec === 'lz4') return loadLz4(load);
    return loadZstd(load);
  } catch {
    return missing(codec);
  }
}

let registered = false;

/** Registers snappy, lz4 and zstd with kafkajs (once per process; kafkajs' registry is global). */
export function registerCodecs(load: ModuleLoader = require): void {
  if (registered) return;
  registered = true;
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  const codecs = CompressionCodecs as unknown as Record<number, CodecFactory>;
  codecs[CompressionTypes.Snappy] = codecFactory('snappy', load);
  codecs[CompressionTypes.LZ4] = codecFactory('lz4', load);
  codecs[CompressionTypes.ZSTD] = codecFactory('zstd', load);
}

/** Which optional codecs load in this install. */
export function availableCodecs(load: ModuleLoader = require): KafkaCompression[] {
  const found: KafkaCompression[] = ['none', 'gzip'];
  for (const codec of Object.keys(codecPackages) as OptionalCodec[]) {
    try {
      codecFactory(codec, load)();
      found.push(codec);
    } catch {
      // not installed
    }
  }
  return found;
}

/** kafkajs' CompressionTypes value for one of our names. */
export function kafkajsCompression(compression: KafkaCompression): number {
  const { CompressionTypes } = kafkajs;
  switch (compression) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
  }
}

/** Finds which codec a kafkajs decode error is about (ours or kafkajs' own "X compression not implemented"). */
export function codecOfError(error: unknown): OptionalCodec | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof MissingCodecError) return e.codec;
    const m = /^(Snappy|LZ4|ZSTD) compression not implemented/i.exec(e.message);
    if (m) return m[1]!.toLowerCase() as OptionalCodec;
  }
  return undefined;
}
