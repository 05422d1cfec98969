/**
 * Collects a receiver's single records (Spark's BlockGenerator): the buffer is cut into a block
 * every blockInterval and at every batch boundary.
 */
export class BlockGenerator<T> {
  private buffer: T[] = [];

  add(record: T): void {
    this.buffer.push(record);
  }

  /** The records buffered since the last cut (empty array when none). */
  cut(): T[] {
    if (this.buffer.length === 0) return [];
    const block = this.buffer;
    this.buffer = [];
    return block;
  }

  get buffered(): number {
    return this.buffer.length;
  }
}
