/**
 * Collects a receiver's single records into blocks (Spark's BlockGenerator): the buffer is cut into
 * a block every blockInterval and at every batch boundary; arrays stored at once become one block.
 * A batch's blocks become its partitions.
 */
export class BlockGenerator<T> {
  private buffer: T[] = [];
  private readonly blocks: T[][] = [];

  /** Adds one record to the current block. */
  add(record: T): void {
    this.buffer.push(record);
  }

  /** Adds a whole block. */
  addBlock(records: T[]): void {
    if (records.length > 0) this.blocks.push(records);
  }

  /** Cuts the current buffer into a block (called every blockInterval). */
  cut(): void {
    if (this.buffer.length === 0) return;
    this.blocks.push(this.buffer);
    this.buffer = [];
  }

  /** Cuts the buffer and hands over every block not yet allocated to a batch. */
  drain(): T[][] {
    this.cut();
    return this.blocks.splice(0);
  }

  /** Records waiting to be allocated to a batch. */
  get pending(): number {
    let n = this.buffer.length;
    for (const b of this.blocks) n += b.length;
    return n;
  }
}
