import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource } from '../src/index.js';
import { mapLimit } from '../src/map-limit.js';
import { dropIn, freshDirectory, records, sourceContext } from './helpers.js';

const files = 10_000;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await freshDirectory());
  const names = Array.from({ length: files }, (_, i) => `file-${String(i).padStart(5, '0')}.txt`);
  await mapLimit(names, 64, async (name) => {
    await writeFile(join(dir, `.${name}`), `${name}\n`);
    await rename(join(dir, `.${name}`), join(dir, name));
  });
}, 120_000);
afterAll(async () => {
  await cleanup();
});

describe('fileSource with 10k files in one directory', () => {
  it('reads them in one batch, then lists without stat-ing known names', { timeout: 60_000 }, async () => {
    const source = fileSource({ directory: dir, newFilesOnly: false });
    await source.start!(sourceContext());
    const t0 = performance.now();
    const first = await source.compute(1000);
    const firstMs = performance.now() - t0;
    expect(first.partitions.length).toBe(files);
    expect(new Set(records(first)).size).toBe(files);
    expect(source.metrics().stats).toBe(files);

    const t1 = performance.now();
    const idle = await source.compute(2000);
    const idleMs = performance.now() - t1;
    expect(idle.partitions).toEqual([]);
    expect(source.metrics().stats).toBe(files); // no stat storm: known names are not stat'ed

    await dropIn(dir, 'new-1.txt', 'new-1\n');
    await dropIn(dir, 'new-2.txt', 'new-2\n');
    const t2 = performance.now();
    expect(records(await source.compute(3000)).sort()).toEqual(['new-1', 'new-2']);
    const newMs = performance.now() - t2;
    expect(source.metrics().stats).toBe(files + 2);
    expect(source.metrics().listings).toBe(4); // start() lists once to fail early on a bad directory

    // After a restart every processed name is in the position: nothing is stat'ed or read again.
    const restored = fileSource({ directory: dir, newFilesOnly: false });
    restored.restore(JSON.parse(JSON.stringify(source.position())));
    await restored.start!(sourceContext());
    const t3 = performance.now();
    expect((await restored.compute(4000)).partitions).toEqual([]);
    const restartMs = performance.now() - t3;
    expect(restored.metrics().stats).toBe(0);
    const positionBytes = JSON.stringify(source.position()).length;

    console.log(
      `10k files: first batch ${firstMs.toFixed(0)} ms, idle batch ${idleMs.toFixed(1)} ms, ` +
        `batch with 2 new files ${newMs.toFixed(1)} ms, first batch after restart ${restartMs.toFixed(1)} ms, ` +
        `position ${positionBytes} bytes`,
    );
    expect(firstMs).toBeLessThan(30_000);
    expect(idleMs).toBeLessThan(2_000);
  });

  it('ignores them at a fresh start with newFilesOnly, stat-ing each name once', {
    timeout: 60_000,
  }, async () => {
    const source = fileSource({ directory: dir });
    const t0 = performance.now();
    await source.start!(sourceContext());
    const startMs = performance.now() - t0;
    await dropIn(dir, 'new-3.txt', 'new-3\n');
    expect(records(await source.compute(1000))).toEqual(['new-3']);
    expect(records(await source.compute(2000))).toEqual([]);
    expect(source.metrics().stats).toBe(files + 2 + 1);
    console.log(`10k files: start with newFilesOnly ${startMs.toFixed(0)} ms`);
    expect(startMs).toBeLessThan(20_000);
  });
});
