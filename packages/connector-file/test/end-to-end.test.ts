import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ManualClock } from '@dstream/core';
import type { JsonValue } from '@dstream/core';
import { createTestContext } from '@dstream/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fileSource,
  fileStream,
  saveAsTextFiles,
  successMarker,
  textFileSink,
  textFileStream,
} from '../src/index.js';
import { dropIn, freshDirectory } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await freshDirectory());
});
afterEach(async () => {
  await cleanup();
});

/** Each batch directory's lines (part files in order), keyed by directory name. */
async function outputs(root: string, prefix: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const batchDir of (await readdir(root)).filter((n) => n.startsWith(prefix)).sort()) {
    const names = (await readdir(join(root, batchDir))).sort();
    expect(names).toContain(successMarker);
    const lines: string[] = [];
    for (const name of names.filter((n) => n.startsWith('part-'))) {
      const text = await readFile(join(root, batchDir, name), 'utf8');
      lines.push(...text.split('\n').filter((l) => l !== ''));
    }
    out[batchDir] = lines;
  }
  return out;
}

describe('file source → map → file sink through a StreamingContext', () => {
  it('writes each batch of new files to its own output directory', async () => {
    const input = join(dir, 'in');
    const output = join(dir, 'out');
    await dropIn(input, 'before-start.txt', 'ignored\n');
    const test = createTestContext({ batchInterval: 1000 });
    const words = textFileStream(test.ctx, input).flatMap((line) => line.split(' '));
    saveAsTextFiles(
      words.map((w) => w.toUpperCase()),
      join(output, 'words'),
      'txt',
    );
    expect(test.ctx.guarantees().map((g) => g.guarantee)).toEqual(['exactly-once']);

    await test.advance(1); // starts the context: files already there are not new
    await dropIn(input, 'a.txt', 'hello world\nhello');
    await test.advance(1);
    await test.advance(1); // nothing new
    await dropIn(input, 'b.txt', 'spark\r\n');
    await dropIn(input, '.b2.txt.tmp', 'half written\n');
    await test.advance(1);
    await test.stop();

    expect(await outputs(output, 'words-')).toEqual({
      'words-1000.txt': [],
      'words-2000.txt': ['HELLO', 'WORLD', 'HELLO'],
      'words-3000.txt': [],
      'words-4000.txt': ['SPARK'],
    });
  });

  it('parses lines with fileStream', async () => {
    const input = join(dir, 'events');
    const output = join(dir, 'totals');
    await dropIn(input, '.keep', '');
    const test = createTestContext({ batchInterval: 500 });
    const events = fileStream(test.ctx, input, {
      parse: (line) => JSON.parse(line) as { user: string; n: number },
    });
    const totals = events.map((e) => [e.user, e.n] as [string, number]).reduceByKey((a, b) => a + b);
    saveAsTextFiles(totals, join(output, 'totals'), undefined, { format: ([user, n]) => `${user}\t${n}` });
    await test.advance(1);
    await dropIn(input, 'e1.ndjson', '{"user":"ann","n":2}\n{"user":"bob","n":1}\n');
    await dropIn(input, 'e2.ndjson', '{"user":"ann","n":3}\n');
    await test.advance(1);
    await test.stop();
    const result = await outputs(output, 'totals-');
    expect(Object.keys(result)).toEqual(['totals-1000', 'totals-500']);
    expect(result['totals-1000']!.sort()).toEqual(['ann\t5', 'bob\t1']);
  });

  it('replays a batch after a restart from a mid-batch position: same files, output overwritten once', async () => {
    const input = join(dir, 'in');
    const output = join(dir, 'out');
    await dropIn(input, '.keep', '');
    let checkpointed: JsonValue | undefined;

    // The first run: the position is taken while the batch at 3000 is in flight, as a checkpoint
    // written after batch generation would; the run then dies before the batch at 4000.
    const first = createTestContext({ batchInterval: 1000, clock: new ManualClock(0) });
    const source = fileSource({ directory: input });
    const lines = first.ctx.source(source);
    lines.foreachBatch((batch) => {
      if (batch.time === 3000) checkpointed = source.position();
    });
    lines.map((l) => l.toUpperCase()).to(textFileSink({ prefix: join(output, 'up') }));
    await first.advance(1);
    await dropIn(input, 'a.txt', 'a\n');
    await first.advance(1);
    await dropIn(input, 'b.txt', 'b1\nb2\n');
    await first.advance(1);
    await dropIn(input, 'c.txt', 'c\n');
    await first.stop({ graceful: false });
    // The position names the in-flight batch's files, so the restart reads exactly them again.
    expect(JSON.stringify(checkpointed)).toContain('[3000,["b.txt"]]');

    // The restarted run resumes at the checkpointed batch time.
    const second = createTestContext({ batchInterval: 1000, clock: new ManualClock(2000) });
    const restored = fileSource({ directory: input });
    restored.restore(JSON.parse(JSON.stringify(checkpointed)) as JsonValue);
    second.ctx
      .source(restored)
      .map((l) => l.toUpperCase())
      .to(textFileSink({ prefix: join(output, 'up') }));
    await second.advance(2);
    await second.stop();
    expect(restored.metrics().filesRead).toBe(2); // b.txt replayed, c.txt new

    expect(await outputs(output, 'up-')).toEqual({
      'up-1000': [],
      'up-2000': ['A'],
      'up-3000': ['B1', 'B2'],
      'up-4000': ['C'],
    });
  });
});
