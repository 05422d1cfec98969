import { describe, expect, it } from 'vitest';
import { availableCodecs, codecPackages } from '../src/index.js';
import { MissingCodecError, codecFactory, codecOfError } from '../src/codecs.js';
import { sourceReadError } from '../src/kafka-errors.js';

const noPackages = (name: string): never => {
  throw new Error(`Cannot find module '${name}'`);
};

describe('compression codecs', () => {
  it('finds snappy, lz4 and zstd in this install', () => {
    expect(availableCodecs()).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
  });

  it('round-trips data through each optional codec', async () => {
    const data = Buffer.from('dstream '.repeat(200));
    for (const codec of ['snappy', 'lz4', 'zstd'] as const) {
      const c = codecFactory(codec)();
      const packed = await c.compress({ buffer: data });
      expect(packed.length).toBeLessThan(data.length);
      expect(Buffer.from(await c.decompress(packed)).equals(data)).toBe(true);
    }
  });

  it('a missing package gives a codec that names the package to install', () => {
    for (const codec of ['snappy', 'lz4', 'zstd'] as const) {
      const factory = codecFactory(codec, noPackages);
      expect(factory).toThrow(MissingCodecError);
      expect(factory).toThrow(`npm install ${codecPackages[codec]}`);
    }
  });

  it('read errors caused by a missing codec name topic, partition, codec and package', () => {
    let thrown: unknown;
    try {
      codecFactory('zstd', noPackages)();
    } catch (error) {
      thrown = error;
    }
    expect(codecOfError(thrown)).toBe('zstd');
    const error = sourceReadError('clicks', 3, thrown);
    expect(error.message).toContain("topic 'clicks' partition 3");
    expect(error.message).toContain('zstd');
    expect(error.message).toContain('npm install @mongodb-js/zstd@1.2.2');
    // kafkajs' own message for an unregistered codec maps the same way.
    expect(codecOfError(new Error('LZ4 compression not implemented'))).toBe('lz4');
  });
});
