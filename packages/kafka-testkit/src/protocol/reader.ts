/** Reads Kafka's big-endian primitive types from one request buffer, tracking a cursor. */
export class Reader {
  offset = 0;

  constructor(readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  int8(): number {
    const value = this.buffer.readInt8(this.offset);
    this.offset += 1;
    return value;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** Offsets and producer ids fit in a double for every log a test can build, so int64 reads as a number. */
  int64(): number {
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return Number(value);
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buffer.readUInt8(this.offset++);
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new RangeError('varint is too long');
    }
  }

  /** Zig-zag signed varint (record fields and varlong lengths). */
  varint(): number {
    const raw = this.uvarint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) throw new RangeError('non-nullable string was null');
    return value;
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    return this.text(length);
  }

  compactString(): string {
    const value = this.compactNullableString();
    if (value === null) throw new RangeError('non-nullable compact string was null');
    return value;
  }

  compactNullableString(): string | null {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    return this.text(length);
  }

  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    return this.take(length);
  }

  compactNullableBytes(): Buffer | null {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    return this.take(length);
  }

  array<T>(read: (reader: Reader) => T): T[] {
    return this.nullableArray(read) ?? [];
  }

  nullableArray<T>(read: (reader: Reader) => T): T[] | null {
    const length = this.int32();
    if (length < 0) return null;
    return this.repeat(length, read);
  }

  compactArray<T>(read: (reader: Reader) => T): T[] {
    const length = this.uvarint() - 1;
    return length < 0 ? [] : this.repeat(length, read);
  }

  /** Skips a tagged-field section of a flexible version; the testkit understands no tags. */
  taggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.offset += size;
    }
  }

  take(length: number): Buffer {
    if (this.offset + length > this.buffer.length) throw new RangeError('read past the end of the request');
    const slice = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  private text(length: number): string {
    return this.take(length).toString('utf8');
  }

  private repeat<T>(length: number, read: (reader: Reader) => T): T[] {
    if (length > this.remaining) throw new RangeError(`array length ${length} exceeds the request`);
    const items: T[] = [];
    for (let i = 0; i < length; i++) items.push(read(this));
    return items;
  }
}
