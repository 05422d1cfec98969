import { mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

const SEGMENT = /^log-(\d{12})$/;
const HEADER = 8;

/** One record read back from the log, with the segment it is in. */
export interface LogRecord {
  readonly segment: number;
  readonly payload: Buffer;
}

/**
 * An append-only, checksummed log in segment files (Spark's FileBasedWriteAheadLog). Each record
 * is `[length u32][crc32 u32][payload]`; `append` resolves once the record is fsynced, and appends
 * made while a sync is running share the next one (group commit). Reading stops at the first torn
 * or corrupt record of a segment: a crash mid-write never turns into data.
 */
export class WriteAheadLog {
  private handle: FileHandle | undefined;
  private segment = 0;
  private segmentSize = 0;
  private queue: Array<{ frame: Buffer; resolve: (segment: number) => void; reject: (e: unknown) => void }> =
    [];
  private flushQueued = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly directory: string,
    private readonly maxSegmentBytes = 16 * 1024 * 1024,
  ) {}

  /** Segment numbers present, oldest first. */
  async segments(): Promise<number[]> {
    await mkdir(this.directory, { recursive: true });
    return (await readdir(this.directory))
      .map((n) => SEGMENT.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Every intact record, oldest first; a torn tail of a segment is skipped. */
  async readAll(): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    for (const segment of await this.segments()) {
      const buf = await readFile(this.path(segment));
      let offset = 0;
      while (offset + HEADER <= buf.length) {
        const length = buf.readUInt32BE(offset);
        const end = offset + HEADER + length;
        if (end > buf.length) break;
        const payload = buf.subarray(offset + HEADER, end);
        if (crc32(payload) !== buf.readUInt32BE(offset + 4)) break;
        out.push({ segment, payload });
        offset = end;
      }
    }
    return out;
  }

  /** Opens a new segment after the existing ones: never append behind a possibly torn tail. */
  open(): Promise<void> {
    return this.enqueue(async () => {
      const existing = await this.segments();
      await this.switchTo((existing.at(-1) ?? -1) + 1);
    });
  }

  /** The segment that appends go to now. */
  get currentSegment(): number {
    return this.segment;
  }

  /** Appends a record; resolves with its segment once it is durable. */
  append(payload: Uint8Array): Promise<number> {
    const frame = Buffer.allocUnsafe(HEADER + payload.byteLength);
    frame.writeUInt32BE(payload.byteLength, 0);
    frame.writeUInt32BE(crc32(payload), 4);
    frame.set(payload, HEADER);
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      if (this.flushQueued) return;
      this.flushQueued = true;
      // Appends that arrive while an fsync runs wait for the next flush and share it.
      void this.enqueue(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      if (this.handle === undefined) {
        const existing = await this.segments();
        await this.switchTo((existing.at(-1) ?? -1) + 1);
      }
      const data = Buffer.concat(batch.map((b) => b.frame));
      await this.handle!.write(data);
      await this.handle!.sync();
      this.segmentSize += data.length;
      const segment = this.segment;
      for (const b of batch) b.resolve(segment);
      if (this.segmentSize >= this.maxSegmentBytes) await this.switchTo(this.segment + 1);
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }

  /** Every file operation runs on one chain, so a roll never closes a file under a write. */
  private enqueue<R>(op: () => Promise<R>): Promise<R> {
    const next = this.chain.then(op);
    this.chain = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** Starts a new segment (after pending appends), so older ones can be deleted as a whole. */
  roll(): Promise<void> {
    return this.enqueue(() => this.switchTo(this.segment + 1));
  }

  private async switchTo(next: number): Promise<void> {
    await this.handle?.close();
    await mkdir(this.directory, { recursive: true });
    this.segment = next;
    this.segmentSize = 0;
    this.handle = await open(this.path(next), 'a');
    const dir = await open(this.directory, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async deleteSegment(segment: number): Promise<void> {
    if (segment === this.segment) return;
    await rm(this.path(segment), { force: true });
  }

  close(): Promise<void> {
    return this.enqueue(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
  }

  private path(segment: number): string {
    return join(this.directory, `log-${String(segment).padStart(12, '0')}`);
  }
}
