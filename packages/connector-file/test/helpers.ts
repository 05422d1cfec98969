import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SourceBatch, SourceContext } from '@dstream/core';

/** A fresh directory per test, removed by the returned cleanup. */
export async function freshDirectory(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `dstream-file-${randomUUID().slice(0, 8)}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** What core passes to `start`; logs are collected so tests can look at them. */
export function sourceContext(logs: string[] = []): SourceContext {
  return {
    batchInterval: 1000,
    rateLimit: () => undefined,
    log: (level, message) => logs.push(`${level}: ${message}`),
  };
}

/** Writes `content` under a hidden temporary name, then renames it into `dir/name`. */
export async function dropIn(dir: string, name: string, content: string | Buffer): Promise<void> {
  const target = join(dir, name);
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${randomUUID()}.tmp`);
  await writeFile(temp, content);
  await rename(temp, target);
}

/** All records of a batch in partition order. */
export function records<T>(batch: SourceBatch<T>): T[] {
  return batch.partitions.flat();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
