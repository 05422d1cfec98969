/** Builds a Kafka response body in a growable buffer. */
export class Writer {
  private buffer = Buffer.alloc(256);
  private length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  int8(value: number): this {
    this.ensure(1);
    this.length = this.buffer.writeInt8(value, this.length);
    return this;
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  int16(value: number): this {
    this.ensure(2);
    this.length = this.buffer.writeInt16BE(value, this.length);
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.length = this.buffer.writeInt32BE(value, this.length);
    return this;
  }

  uint32(value: number): this {
    this.ensure(4);
    this.length = this.buffer.writeUInt32BE(value >>> 0, this.length);
    return this;
  }

  int64(value: number | bigint): this {
    this.ensure(8);
    this.length = this.buffer.writeBigInt64BE(BigInt(value), this.length);
    return this;
  }

  uvarint(value: number): this {
    this.ensure(10);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
    return this;
  }

  /** Zig-zag signed varint. */
  varint(value: number): this {
    return this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const bytes = Buffer.from(value, 'utf8');
    return this.int16(bytes.length).raw(bytes);
  }

  compactString(value: string | null): this {
    if (value === null) return this.uvarint(0);
    const bytes = Buffer.from(value, 'utf8');
    return this.uvarint(bytes.length + 1).raw(bytes);
  }

  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).raw(value);
  }

  array<T>(items: readonly T[] | null, write: (writer: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  compactArray<T>(items: readonly T[] | null, write: (writer: this, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }

  /** An empty tagged-field section (flexible versions). */
  taggedFields(): this {
    return this.uvarint(0);
  }

  raw(bytes: Buffer): this {
    this.ensure(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}
