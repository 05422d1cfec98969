import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError, SourceReadError } from '@dstream/core';
import type { JsonValue } from '@dstream/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileSource } from '../src/index.js';
import type { FileSource, FileSourceOptions } from '../src/index.js';
import { dropIn, freshDirectory, records, sleep, sourceContext } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await freshDirectory());
});
afterEach(async () => {
  await cleanup();
});

/** A new source object restored from a checkpointed position, as core does after a restart. */
async function restarted(
  position: JsonValue,
  options: Omit<Partial<FileSourceOptions<string>>, 'parse'> = {},
): Promise<FileSource<string>> {
  const source = fileSource({ directory: dir, ...options });
  // Through JSON, as the checkpoint file stores it.
  source.restore(JSON.parse(JSON.stringify(position)) as JsonValue);
  await source.start!(sourceContext());
  return source;
}

describe('fileSource position and restore', () => {
  it('reads no file twice and misses none across restarts', async () => {
    const seen: string[] = [];
    let source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    let time = 0;
    let n = 0;
    for (let round = 0; round < 5; round++) {
      for (let b = 0; b < 3; b++) {
        time += 1000;
        for (let f = 0; f < 3; f++) await dropIn(dir, `f-${n}.txt`, `line-${n++}\n`);
        seen.push(...records(await source.compute(time)));
        await source.onBatchCompleted!(time, []);
      }
      // Files arriving while the job is down must be picked up by the next incarnation.
      for (let f = 0; f < 2; f++) await dropIn(dir, `f-${n}.txt`, `line-${n++}\n`);
      source = await restarted(source.position());
    }
    time += 1000;
    seen.push(...records(await source.compute(time)));
    expect(seen.sort()).toEqual(Array.from({ length: n }, (_, i) => `line-${i}`).sort());
  });

  it('replays exactly the files of a batch that was not completed before the restart', async () => {
    const source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    await dropIn(dir, 'a.txt', 'a\n');
    await dropIn(dir, 'b.txt', 'b\n');
    const first = records(await source.compute(1000));
    const position = source.position(); // checkpoint taken before the batch completed
    await dropIn(dir, 'c.txt', 'c\n');

    const again = await restarted(position);
    expect(records(await again.compute(1000)).sort()).toEqual(first.sort());
    expect(records(await again.compute(2000))).toEqual(['c']);
    await again.onBatchCompleted!(2000, []);
    // A completed batch is dropped from the position; an old time yields nothing.
    expect(JSON.stringify(again.position())).not.toContain('[1000,');
    expect((await again.compute(1000)).partitions).toEqual([]);
  });

  it('fails clearly when a file of a batch to replay was deleted', async () => {
    const source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    await dropIn(dir, 'gone.txt', 'x\n');
    await source.compute(1000);
    const position = source.position();
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, 'gone.txt'));
    const error = await (await restarted(position)).compute(1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceReadError);
    expect((error as Error).message).toMatch(/gone\.txt.*batch 1000/);
  });

  it('keeps files present at the first start ignored after a restart (newFilesOnly)', async () => {
    for (let i = 0; i < 5; i++) await writeFile(join(dir, `old-${i}.txt`), 'old\n');
    const source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    await dropIn(dir, 'new.txt', 'new\n');
    expect(records(await source.compute(1000))).toEqual(['new']);
    const again = await restarted(source.position());
    expect(records(await again.compute(2000))).toEqual([]);
  });

  it('keeps the position bounded by the remember window and still reads nothing twice', async () => {
    const window = 150;
    const source = fileSource({ directory: dir, rememberWindowMs: window });
    await source.start!(sourceContext());
    let read = 0;
    for (let i = 0; i < 20; i++) await dropIn(dir, `early-${i}.txt`, 'early\n');
    read += records(await source.compute(1000)).length;
    await source.onBatchCompleted!(1000, []);
    await sleep(window + 50);
    await source.compute(2000); // this listing's time moves the next threshold past the early files
    await source.onBatchCompleted!(2000, []);
    await dropIn(dir, 'late.txt', 'late\n');
    read += records(await source.compute(3000)).length;
    await source.onBatchCompleted!(3000, []);
    expect(read).toBe(21);
    const position = source.position();
    const remembered = (position as { remembered: JsonValue[] }).remembered;
    expect(remembered.length).toBeLessThan(20);
    expect(source.metrics().rememberedFiles).toBe(remembered.length);

    const again = await restarted(position, { rememberWindowMs: window });
    expect(records(await again.compute(4000))).toEqual([]);
  });

  it('rejects a position it did not write', () => {
    const source = fileSource({ directory: dir });
    expect(() => source.restore({ version: 99 })).toThrow(CheckpointError);
    expect(() => source.restore('nonsense')).toThrow(/invalid position/);
  });

  it('keeps a backlog left by maxFilesPerBatch across a restart, even one older than the window', async () => {
    const window = 100;
    const options = { rememberWindowMs: window, maxFilesPerBatch: 2 };
    const source = fileSource({ directory: dir, ...options });
    await source.start!(sourceContext());
    for (let i = 0; i < 6; i++) await dropIn(dir, `f${i}.txt`, `f${i}\n`);
    await sleep(window + 50);
    const seen = records(await source.compute(1000));
    await source.onBatchCompleted!(1000, []);
    await sleep(window + 50);
    seen.push(...records(await source.compute(2000)));
    await source.onBatchCompleted!(2000, []);
    expect(source.metrics().pendingFiles).toBe(2);
    await sleep(window + 50);

    const again = await restarted(source.position(), options);
    seen.push(...records(await again.compute(3000)));
    seen.push(...records(await again.compute(4000)));
    expect(seen.sort()).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
  });
});
