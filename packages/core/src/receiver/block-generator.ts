/**
 * Collects a receiver's single records (Spark's BlockGenerator): the buffer is cut into a block
 * every blockInterval and at every batch boundary.
 */
export class BlockGenerator<T> {
  private buffer: T[] = [];

  add(record: T): void {
    this.buffer.push(record);
  }

  /** The first `max` records buffered since the last cut (all by default; empty array when none). */
  cut(max = Number.POSITIVE_INFINITY): T[] {
    if (this.buffer.length === 0 || max <= 0) return [];
    if (max >= this.buffer.length) {
      const block = this.buffer;
      this.buffer = [];
      return block;
    }
    return this.buffer.splice(0, max);
  }

  get buffered(): number {
    return this.buffer.length;
  }
}
