import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Time } from '../batch.js';
import type { CheckpointStore } from '../contracts/checkpoint-store.js';
import { CheckpointError } from '../errors.js';

const NAME = /^checkpoint-(\d+)$/;

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Checkpoints as files `checkpoint-<time>` in a local directory, each written to a temporary name,
 * fsynced, renamed into place and the directory fsynced: a crash leaves the old file or the new
 * one, never a mix.
 *
 * ```ts
 * ctx.checkpoint(localCheckpointStore('/var/lib/clicks/checkpoint'));
 * ```
 */
export function localCheckpointStore(directory: string): CheckpointStore {
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new CheckpointError(
      `localCheckpointStore: directory must be a non-empty path, got ${JSON.stringify(directory)}`,
    );
  }
  let ready: Promise<unknown> | undefined;
  const ensure = () => (ready ??= mkdir(directory, { recursive: true }));
  return {
    name: `local:${directory}`,
    async write(time, bytes) {
      await ensure();
      const target = join(directory, `checkpoint-${time}`);
      const temp = join(directory, `.checkpoint-${time}.${process.pid}.tmp`);
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      await fsyncDirectory(directory);
    },
    async list(): Promise<Time[]> {
      await ensure();
      const names = await readdir(directory);
      return names
        .map((n) => NAME.exec(n)?.[1])
        .filter((t): t is string => t !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
    },
    async read(time) {
      return readFile(join(directory, `checkpoint-${time}`));
    },
    async delete(time) {
      await rm(join(directory, `checkpoint-${time}`), { force: true });
    },
  };
}
