import type { Time } from '../batch.js';

/**
 * Where checkpoints are kept. Core writes each checkpoint whole; a store must make `write`
 * atomic (a reader sees the old checkpoint or the new one, never a mix). A local directory store is
 * built in; other stores (object storage, a database) implement the same four calls.
 *
 * ```ts
 * const store: CheckpointStore = localCheckpointStore('/var/lib/my-job/checkpoint');
 * await store.write(5000, bytes);
 * const newest = (await store.list()).at(-1);
 * ```
 */
export interface CheckpointStore {
  /** Shown in logs. */
  readonly name: string;
  /**
   * Writes the checkpoint for a batch time atomically and durably.
   * ```ts
   * await store.write(time, bytes);
   * ```
   */
  write(time: Time, bytes: Uint8Array): Promise<void>;
  /**
   * The times of the stored checkpoints, oldest first.
   * ```ts
   * const times = await store.list();
   * ```
   */
  list(): Promise<Time[]>;
  /**
   * Reads one checkpoint's bytes.
   * ```ts
   * const bytes = await store.read(times.at(-1)!);
   * ```
   */
  read(time: Time): Promise<Uint8Array>;
  /**
   * Deletes one checkpoint (old ones are deleted after newer ones are written).
   * ```ts
   * await store.delete(times[0]!);
   * ```
   */
  delete(time: Time): Promise<void>;
}
