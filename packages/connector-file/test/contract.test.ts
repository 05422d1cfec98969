import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeSinkContract, describeSourceContract } from '@dstream/core/testing';
import { fileSource, textFileSink } from '../src/index.js';
import { dropIn, freshDirectory } from './helpers.js';

describeSourceContract('fileSource', async () => {
  const { dir, cleanup } = await freshDirectory();
  let next = 0;
  return {
    createSource: () => fileSource({ directory: dir }),
    // Records arrive as files of up to three lines, each renamed into the directory.
    async produce(count) {
      for (let left = count; left > 0; ) {
        const lines = Array.from({ length: Math.min(3, left) }, () => `record-${next++}`);
        await dropIn(dir, `produced-${next}.txt`, `${lines.join('\n')}\n`);
        left -= lines.length;
      }
    },
    identity: (line) => line,
    cleanup,
  };
});

describeSinkContract('textFileSink', async () => {
  const { dir, cleanup } = await freshDirectory();
  const prefix = join(dir, 'out');
  return {
    sink: textFileSink<{ id: number; word: string }>({ prefix }),
    records: Array.from({ length: 12 }, (_, id) => ({ id, word: `w${id % 3}` })),
    async read() {
      const lines: unknown[] = [];
      for (const batchDir of await readdir(dir)) {
        for (const name of await readdir(join(dir, batchDir))) {
          if (!name.startsWith('part-')) continue;
          const text = await readFile(join(dir, batchDir, name), 'utf8');
          for (const line of text.split('\n')) if (line !== '') lines.push(JSON.parse(line));
        }
      }
      return lines;
    },
    expected: (records) => records,
    cleanup,
  };
});
