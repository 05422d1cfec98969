import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestContext } from '@dstream/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileStream, saveAsTextFiles, successMarker, textFileStream } from '../src/index.js';
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
});
