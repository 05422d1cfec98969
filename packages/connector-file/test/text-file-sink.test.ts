import { spawn } from 'node:child_process';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, SerializationError, SinkWriteError } from '@dstream/core';
import type { SinkContext } from '@dstream/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchOutputPath, successMarker, textFileSink } from '../src/index.js';
import { sinkError } from '../src/file-errors.js';
import { freshDirectory, sleep } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await freshDirectory());
});
afterEach(async () => {
  await cleanup();
});

function context(batchTime: number, partition: number, numPartitions: number, attempt = 1): SinkContext {
  return {
    outputId: 'output-0-sink',
    batchTime,
    partition,
    numPartitions,
    offsetRanges: [],
    partitionOffsetRange: undefined,
    executorId: 0,
    attempt,
  };
}

/** Runs a whole batch through the sink the way the driver does: every partition, then commit. */
async function writeBatch<T>(
  sink: ReturnType<typeof textFileSink<T>>,
  time: number,
  partitions: T[][],
): Promise<void> {
  await Promise.all(partitions.map((p, i) => sink.writePartition(p, context(time, i, partitions.length))));
  await sink.commitBatch!({
    outputId: 'output-0-sink',
    batchTime: time,
    numPartitions: partitions.length,
    offsetRanges: [],
  });
}

/** The directory's files and their contents, sorted by name. */
async function snapshot(path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(path)).sort()) out[name] = await readFile(join(path, name), 'utf8');
  return out;
}

describe('textFileSink', () => {
  it('declares itself idempotent', () => {
    const sink = textFileSink({ prefix: join(dir, 'out') });
    expect(sink.guarantee).toBe('idempotent');
    expect(sink.mechanism).toMatch(/rename/);
  });

  it('writes prefix-<time>[.suffix] with one part file per partition and a _SUCCESS marker', async () => {
    const sink = textFileSink<[string, number] | string>({ prefix: join(dir, 'counts'), suffix: 'txt' });
    await writeBatch(sink, 5000, [[['a', 1], 'plain'], [], [['b', 2]]]);
    const out = batchOutputPath(join(dir, 'counts'), 5000, 'txt');
    expect(out).toBe(join(dir, 'counts-5000.txt'));
    expect(await snapshot(out)).toEqual({
      [successMarker]: '',
      'part-00000': '["a",1]\nplain\n',
      'part-00001': '',
      'part-00002': '["b",2]\n',
    });
    const plain = textFileSink<number>({ prefix: join(dir, 'n'), format: (n) => `n=${n}` });
    await writeBatch(plain, 6000, [[1, 2]]);
    expect(await snapshot(join(dir, 'n-6000'))).toEqual({ [successMarker]: '', 'part-00000': 'n=1\nn=2\n' });
  });

  it('overwrites a replayed batch: same content, no duplicates, no stale parts', async () => {
    const prefix = join(dir, 'out');
    const sink = textFileSink<string>({ prefix });
    const batch = [['a', 'b'], ['c']];
    await writeBatch(sink, 1000, batch);
    const first = await snapshot(`${prefix}-1000`);
    // The same batch again, from a new sink object (a restarted process), and a retried task.
    await writeBatch(textFileSink<string>({ prefix }), 1000, batch);
    await sink.writePartition(['c'], context(1000, 1, 2, 2));
    await sink.commitBatch!({ outputId: 'o', batchTime: 1000, numPartitions: 2, offsetRanges: [] });
    expect(await snapshot(`${prefix}-1000`)).toEqual(first);
    // A replay computed with fewer partitions leaves no part file of the earlier attempt behind.
    await writeBatch(sink, 1000, [['a', 'b', 'c']]);
    expect(await snapshot(`${prefix}-1000`)).toEqual({ [successMarker]: '', 'part-00000': 'a\nb\nc\n' });
  });

  it('removes _SUCCESS while a batch is being rewritten', async () => {
    const prefix = join(dir, 'out');
    const sink = textFileSink<string>({ prefix });
    await writeBatch(sink, 1000, [['a'], ['b']]);
    await sink.writePartition(['a'], context(1000, 0, 2, 2));
    expect(await readdir(`${prefix}-1000`)).not.toContain(successMarker);
  });

  it('leaves no visible partial file when the process dies between temp write and rename', {
    timeout: 60_000,
  }, async () => {
    const prefix = join(dir, 'out');
    const out = `${prefix}-7000`;
    const writer = fileURLToPath(new URL('./fixtures/slow-partition-writer.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--conditions=@dstream/source', '--import', 'tsx', writer, prefix, '7000'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Wait until the temporary file holds some bytes, then kill the writer mid-file.
    let temp: string | undefined;
    for (let i = 0; i < 1200 && temp === undefined; i++) {
      await sleep(25);
      const names = await readdir(out).catch(() => [] as string[]);
      for (const name of names) {
        if (name.startsWith('.part-00000.') && (await stat(join(out, name))).size > 0) temp = name;
      }
      if (child.exitCode !== null) break;
    }
    child.kill('SIGKILL');
    await exited;
    expect(temp, `the writer never produced a temporary file; its output: ${output}`).toBeDefined();
    expect(output).not.toContain('finished');
    const visible = (await readdir(out)).filter((n) => !n.startsWith('.'));
    expect(visible).toEqual([]);

    // The replay writes the whole part and clears the dead attempt's temporary file.
    const sink = textFileSink<string>({ prefix });
    await writeBatch(sink, 7000, [['complete']]);
    expect(await snapshot(out)).toEqual({ [successMarker]: '', 'part-00000': 'complete\n' });
  });

  it('maps filesystem errors into core taxonomy', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, 'a file where a directory should be');
    const sink = textFileSink<string>({ prefix: join(blocker, 'out') });
    const error = await sink.writePartition(['x'], context(1000, 0, 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkWriteError);
    expect((error as Error).message).toContain(blocker);

    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const mapped = sinkError(full, '/data/out-1000/part-00000');
    expect(mapped).toBeInstanceOf(SinkWriteError);
    expect(mapped.retryable).toBe(false);
    expect(mapped.message).toMatch(/no space left.*\/data\/out-1000\/part-00000/);
    expect(mapped.cause).toBe(full);

    const failing = textFileSink<number>({
      prefix: join(dir, 'fmt'),
      format: (n) => {
        if (n === 2) throw new Error('two is not allowed');
        return String(n);
      },
    });
    const formatError = await failing.writePartition([1, 2], context(1000, 0, 1)).catch((e: unknown) => e);
    expect(formatError).toBeInstanceOf(SerializationError);
    expect((formatError as Error).message).toMatch(
      /record 1 of partition 0 of batch 1000: two is not allowed/,
    );
    expect(await readdir(join(dir, 'fmt-1000'))).toEqual([]); // the temporary file is gone

    expect(() => textFileSink({ prefix: '' })).toThrow(ConfigError);
    expect(() => textFileSink({ prefix: join(dir, 'x'), suffix: 'a/b' })).toThrow(/suffix/);
  });
});
