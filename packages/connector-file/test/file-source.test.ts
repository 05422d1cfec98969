import { appendFile, mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, DStreamError, SerializationError, SourceReadError } from '@dstream/core';
import { sourceError } from '../src/file-errors.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileSource, isHiddenOrTemporary } from '../src/index.js';
import { dropIn, freshDirectory, records, sleep, sourceContext } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await freshDirectory());
});
afterEach(async () => {
  await cleanup();
});

describe('fileSource', () => {
  it('declares itself replayable with a reason', () => {
    const source = fileSource({ directory: dir });
    expect(source.replayable).toBe(true);
    expect(source.replayReason).toMatch(/checkpoint/);
    expect(source.name).toContain(dir);
  });

  it('picks up files renamed in since the last batch, one partition per file, each file once', async () => {
    const source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    expect((await source.compute(1000)).partitions).toEqual([]);
    await dropIn(dir, 'a.txt', 'a1\na2\n');
    await dropIn(dir, 'b.txt', 'b1\n');
    const first = await source.compute(2000);
    expect(first.partitions.map((p) => [...p]).sort()).toEqual([['a1', 'a2'], ['b1']]);
    expect((await source.compute(3000)).partitions).toEqual([]);
    await dropIn(dir, 'c.txt', 'c1\nc2');
    expect(records(await source.compute(4000))).toEqual(['c1', 'c2']);
  });

  it('ignores the files already there at start unless newFilesOnly is false', async () => {
    await writeFile(join(dir, 'old.txt'), 'old\n');
    const newOnly = fileSource({ directory: dir });
    await newOnly.start!(sourceContext());
    await dropIn(dir, 'new.txt', 'new\n');
    expect(records(await newOnly.compute(1000))).toEqual(['new']);

    const all = fileSource({ directory: dir, newFilesOnly: false });
    await all.start!(sourceContext());
    expect(records(await all.compute(1000)).sort()).toEqual(['new', 'old']);
    expect((await all.compute(2000)).partitions).toEqual([]);
  });

  it('ignores hidden and temporary names', async () => {
    const source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    const ignored = ['.hidden', '_SUCCESS', '_temporary', 'x.tmp', 'y.COPYING', 'z._COPYING_'];
    for (const name of ignored) await writeFile(join(dir, name), 'no\n');
    await dropIn(dir, 'visible.log', 'yes\n');
    expect(records(await source.compute(1000))).toEqual(['yes']);
    for (const name of ignored) expect(isHiddenOrTemporary(name)).toBe(true);
    expect(isHiddenOrTemporary('part-00000')).toBe(false);
  });

  it('never reads a file copied in slowly under a temporary name before its rename', async () => {
    const source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    const expected: string[] = [];
    const temp = join(dir, 'big.csv._COPYING_');
    for (let i = 0; i < 20; i++) {
      const chunk = Array.from({ length: 50 }, (_, j) => `row-${i}-${j}`);
      expected.push(...chunk);
      // Half a line at the end of a chunk: a reader of the temporary file would see a torn line.
      await appendFile(temp, `${chunk.join('\n')}\n`);
      expect((await source.compute(1000 + i * 1000)).partitions).toEqual([]);
      await sleep(2);
    }
    await rename(temp, join(dir, 'big.csv'));
    expect(records(await source.compute(100_000))).toEqual(expected);
    expect((await source.compute(101_000)).partitions).toEqual([]);
  });

  it('does not descend into subdirectories unless recursive, and never into hidden ones', async () => {
    const flat = fileSource({ directory: dir });
    const deep = fileSource({ directory: dir, recursive: true });
    await flat.start!(sourceContext());
    await deep.start!(sourceContext());
    await dropIn(dir, 'top.txt', 'top\n');
    await dropIn(dir, 'sub/inner.txt', 'inner\n');
    await dropIn(dir, 'sub/deeper/leaf.txt', 'leaf\n');
    await dropIn(dir, '_temporary/0/part.txt', 'no\n');
    await dropIn(dir, '.staging/x.txt', 'no\n');
    expect(records(await flat.compute(1000))).toEqual(['top']);
    expect(records(await deep.compute(1000)).sort()).toEqual(['inner', 'leaf', 'top']);
    await mkdir(join(dir, 'later'));
    await dropIn(dir, 'later/new.txt', 'new\n');
    expect(records(await flat.compute(2000))).toEqual([]);
    expect(records(await deep.compute(2000))).toEqual(['new']);
  });

  it('serializes overlapping compute calls so no file lands in two batches', async () => {
    const source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    for (let i = 0; i < 30; i++) await dropIn(dir, `f${i}.txt`, `f${i}\n`);
    const batches = await Promise.all([source.compute(1000), source.compute(2000), source.compute(3000)]);
    const all = batches.flatMap(records);
    expect(all.length).toBe(30);
    expect(new Set(all).size).toBe(30);
  });

  it('applies the filter once per name', async () => {
    const asked: string[] = [];
    const source = fileSource({
      directory: dir,
      filter: (name) => {
        asked.push(name);
        return name.endsWith('.json');
      },
    });
    await source.start!(sourceContext());
    await dropIn(dir, 'a.json', '1\n');
    await dropIn(dir, 'b.csv', '2\n');
    expect(records(await source.compute(1000))).toEqual(['1']);
    await source.compute(2000);
    expect(asked.sort()).toEqual(['a.json', 'b.csv']);
  });

  it('takes at most maxFilesPerBatch files, oldest first, and keeps the rest for later batches', async () => {
    const source = fileSource({ directory: dir, maxFilesPerBatch: 2 });
    await source.start!(sourceContext());
    for (const name of ['f1', 'f2', 'f3', 'f4', 'f5']) {
      await dropIn(dir, name, `${name}\n`);
      await sleep(5);
    }
    expect(records(await source.compute(1000))).toEqual(['f1', 'f2']);
    expect(records(await source.compute(2000))).toEqual(['f3', 'f4']);
    expect(records(await source.compute(3000))).toEqual(['f5']);
    expect(records(await source.compute(4000))).toEqual([]);
  });

  it('splits lines on \\n and \\r\\n, keeps a last line without newline and UTF-8 across read chunks', async () => {
    const source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    // '€' is three bytes and 64 KiB reads are not a multiple of three: reads end mid-character.
    const euros = '€'.repeat(50_000);
    const head = 'one\r\ntwo\n\nthree\r\n';
    // 'é' (two bytes) placed exactly across the first 64 KiB read boundary.
    const padded = `${'x'.repeat(64 * 1024 - 1 - Buffer.byteLength(head))}é😀`;
    await dropIn(dir, 'mixed.txt', `${head}${padded}\n${euros}\r\nlast`);
    expect(records(await source.compute(1000))).toEqual(['one', 'two', '', 'three', padded, euros, 'last']);
    await dropIn(dir, 'empty.txt', '');
    expect(records(await source.compute(2000))).toEqual([]);
  });

  it('parses each line and names the file and line when parse fails', async () => {
    const source = fileSource({ directory: dir, parse: (line) => JSON.parse(line) as { n: number } });
    await source.start!(sourceContext());
    await dropIn(dir, 'ok.ndjson', '{"n":1}\n{"n":2}\n');
    expect(records(await source.compute(1000))).toEqual([{ n: 1 }, { n: 2 }]);
    await dropIn(dir, 'bad.ndjson', '{"n":3}\nnot json\n');
    const error = await source.compute(2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toMatch(/bad\.ndjson line 2/);
  });

  it('splits a file larger than maxPartitionBytes into partitions at line boundaries', async () => {
    const source = fileSource({ directory: dir, maxPartitionBytes: 64 * 1024 });
    await source.start!(sourceContext());
    const lines = Array.from({ length: 30_000 }, (_, i) => `line-${i}`);
    await dropIn(dir, 'large.txt', `${lines.join('\n')}\n`);
    const batch = await source.compute(1000);
    expect(batch.partitions.length).toBeGreaterThan(2);
    expect(records(batch)).toEqual(lines);
  });

  it('reports a missing directory as a ConfigError naming it', async () => {
    const missing = join(dir, 'does-not-exist');
    const source = fileSource({ directory: missing });
    const error = await source.start!(sourceContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(DStreamError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(missing);
    const file = join(dir, 'plain');
    await writeFile(file, 'x');
    const notDir = await fileSource({ directory: file })
      .compute(1000)
      .catch((e: unknown) => e);
    expect(notDir).toBeInstanceOf(ConfigError);
    expect(() => fileSource({ directory: dir, maxFilesPerBatch: 0 })).toThrow(/maxFilesPerBatch/);
  });

  it('skips entries that are not readable files: dangling links, links to directories', async () => {
    const source = fileSource({ directory: dir });
    await source.start!(sourceContext());
    await dropIn(dir, 'keep.txt', 'keep\n');
    await symlink(join(dir, 'nowhere'), join(dir, 'dangling.txt'));
    await mkdir(join(dir, 'real-dir'));
    await symlink(join(dir, 'real-dir'), join(dir, 'dir-link'));
    await symlink(join(dir, 'keep.txt'), join(dir, 'file-link'));
    expect(records(await source.compute(1000)).sort()).toEqual(['keep', 'keep']);
    expect(records(await source.compute(2000))).toEqual([]);
  });
});

describe('file error mapping', () => {
  it('maps permission and I/O errors on the directory and on files', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const onDir = sourceError(denied, '/data/in');
    expect(onDir).toBeInstanceOf(ConfigError);
    expect(onDir.message).toMatch(/permission.*\/data\/in/);
    const onFile = sourceError(denied, '/data/in', 'a.txt');
    expect(onFile).toBeInstanceOf(SourceReadError);
    expect(onFile.message).toContain('a.txt');
    expect(onFile.retryable).toBe(false);
    const busy = sourceError(Object.assign(new Error('EMFILE'), { code: 'EMFILE' }), '/data/in', 'b.txt');
    expect(busy.retryable).toBe(true);
    expect(busy.cause).toBeInstanceOf(Error);
  });
});
