import { deserialize, serialize } from 'node:v8';
import type { Time } from '../batch.js';
import type { Logger } from '../listener.js';
import type { WriteAheadLog } from '../wal/write-ahead-log.js';

type Event =
  | { t: 'block'; stream: number; id: number; records: unknown[] }
  | { t: 'allocate'; time: Time; stream: number; ids: number[] };

interface Block {
  readonly id: number;
  readonly stream: number;
  readonly records: unknown[];
  readonly segment: number;
}

/**
 * Spark's ReceivedBlockTracker: received blocks wait here until a batch takes them. With a
 * write-ahead log, a block is logged before it counts as stored (so a reliable receiver acks only
 * durable data) and every allocation of blocks to a batch is logged before the batch runs; after a
 * crash, batches the checkpoint left unfinished get exactly their blocks again and blocks no batch
 * took are queued anew.
 */
export class ReceivedBlockTracker {
  private nextId = 0;
  private readonly ready = new Map<number, Block[]>();
  private readonly replay = new Map<string, Block[]>();
  /** Per log segment: the latest batch time any of its blocks or allocations belongs to. */
  private readonly segmentTimes = new Map<number, number>();
  private readonly blockSegment = new Map<number, number>();

  constructor(
    private readonly wal: WriteAheadLog | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads the log: every batch allocated after `lastCompleted` gets exactly its blocks again (the
   * allocation was logged before the batch ran, so even a batch generated after the last
   * checkpoint replays at its own time); blocks no batch took are queued again. Returns the batch
   * times to replay.
   */
  async recover(lastCompleted: Time | undefined): Promise<Time[]> {
    if (this.wal === undefined) return [];
    const records = await this.wal.readAll();
    const blocks = new Map<number, Block>();
    const allocations: Array<{ time: Time; stream: number; ids: number[]; segment: number }> = [];
    for (const { segment, payload } of records) {
      const event = deserialize(payload) as Event;
      if (event.t === 'block') {
        blocks.set(event.id, { id: event.id, stream: event.stream, records: event.records, segment });
        this.nextId = Math.max(this.nextId, event.id + 1);
      } else {
        allocations.push({ ...event, segment });
      }
    }
    const taken = new Set<number>();
    const replayTimes = new Set<Time>();
    for (const a of allocations) {
      if (lastCompleted !== undefined && a.time <= lastCompleted) {
        for (const id of a.ids) taken.add(id);
      } else {
        replayTimes.add(a.time);
        const again = a.ids.map((id) => blocks.get(id)).filter((b): b is Block => b !== undefined);
        this.replay.set(`${a.time}:${a.stream}`, again);
        for (const b of again) taken.add(b.id);
      }
    }
    let requeued = 0;
    for (const b of blocks.values()) {
      this.blockSegment.set(b.id, b.segment);
      if (taken.has(b.id)) continue;
      this.readyOf(b.stream).push(b);
      requeued += b.records.length;
    }
    this.logger.info('recovered received blocks from the write-ahead log', {
      blocks: blocks.size,
      requeuedRecords: requeued,
      replayedBatches: this.replay.size,
    });
    await this.wal.open();
    return [...replayTimes].sort((a, b) => a - b);
  }

  private readyOf(stream: number): Block[] {
    let list = this.ready.get(stream);
    if (list === undefined) this.ready.set(stream, (list = []));
    return list;
  }

  /** Stores a block; resolves once it is durable (immediately without a log). */
  async addBlock(stream: number, records: unknown[]): Promise<void> {
    if (records.length === 0) return;
    const id = this.nextId++;
    let segment = -1;
    if (this.wal !== undefined) {
      segment = await this.wal.append(serialize({ t: 'block', stream, id, records } satisfies Event));
      this.blockSegment.set(id, segment);
    }
    this.readyOf(stream).push({ id, stream, records, segment });
  }

  /** The blocks of `stream` for the batch at `time`: the logged ones on replay, else all ready ones. */
  async allocate(time: Time, stream: number): Promise<unknown[][]> {
    const replayed = this.replay.get(`${time}:${stream}`);
    if (replayed !== undefined) this.replay.delete(`${time}:${stream}`);
    const blocks = replayed ?? this.ready.get(stream)?.splice(0) ?? [];
    if (this.wal !== undefined) {
      const ids = blocks.map((b) => b.id);
      const segment = await this.wal.append(serialize({ t: 'allocate', time, stream, ids } satisfies Event));
      this.note(segment, time);
      for (const b of blocks) if (b.segment >= 0) this.note(b.segment, time);
    }
    return blocks.map((b) => b.records);
  }

  private note(segment: number, time: Time): void {
    this.segmentTimes.set(
      segment,
      Math.max(this.segmentTimes.get(segment) ?? Number.NEGATIVE_INFINITY, time),
    );
  }

  /** Records waiting for a batch. */
  pending(stream: number): number {
    let n = 0;
    for (const b of this.ready.get(stream) ?? []) n += b.records.length;
    return n;
  }

  /**
   * Deletes log segments that only hold blocks and allocations of batches up to `checkpointTime`
   * (a checkpoint at that time no longer needs them). Segments with unallocated blocks stay.
   */
  async cleanup(checkpointTime: Time): Promise<void> {
    if (this.wal === undefined) return;
    await this.wal.roll();
    const waiting = new Set<number>();
    for (const list of this.ready.values()) for (const b of list) waiting.add(b.segment);
    for (const [, list] of this.replay) for (const b of list) waiting.add(b.segment);
    for (const segment of await this.wal.segments()) {
      if (segment === this.wal.currentSegment || waiting.has(segment)) continue;
      const latest = this.segmentTimes.get(segment);
      if (latest !== undefined && latest > checkpointTime) continue;
      await this.wal.deleteSegment(segment);
      this.segmentTimes.delete(segment);
    }
    for (const [id, segment] of this.blockSegment)
      if (!this.segmentTimes.has(segment)) this.blockSegment.delete(id);
  }

  async close(): Promise<void> {
    await this.wal?.close();
  }
}
