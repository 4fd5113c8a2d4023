// Variable-length integers for binary formats: LEB128 unsigned varints for every safe integer
// (arithmetic, not 32-bit shifts, so values up to 2^53 round-trip), zig-zag for signed ones, and
// little-endian float64s; a growable writer and a bounds-checked reader. Pure.

/** Whether n can be written by ByteWriter.zigzag: a safe integer whose zig-zag form is one too. */
export function isZigzagSafe(n: number): boolean {
  return Number.isSafeInteger(n) && Number.isSafeInteger(Math.abs(n) * 2 + 1);
}

/** Appends bytes to a buffer that grows as needed. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  /** An unsigned safe integer, 7 bits a byte, low bits first. */
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new RangeError(`varint: ${n} is not a non-negative safe integer`);
    this.reserve(8);
    let x = n;
    while (x >= 0x80) {
      this.buf[this.length++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.length++] = x;
  }

  /** A signed safe integer, zig-zag mapped (0, -1, 1, -2, … → 0, 1, 2, 3, …). */
  zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  f64(x: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, x, true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }

  /** What was written (a copy the writer no longer touches). */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }
}

/** Reads what a ByteWriter wrote; every read past the end throws a RangeError. */
export class ByteReader {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  pos = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.byteLength - this.pos;
  }

  byte(): number {
    if (this.pos >= this.buf.byteLength) throw new RangeError('read past the end');
    return this.buf[this.pos++] as number;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(n)) throw new RangeError('varint beyond the safe integers');
        return n;
      }
      scale *= 0x80;
    }
    throw new RangeError('varint longer than 8 bytes');
  }

  /** A zig-zag varint, the one- and two-byte cases (nearly all of them) without the general loop. */
  nextZigzag(): number {
    const z = this.nextVarint();
    return z < 0x4000 ? (z >>> 1) ^ -(z & 1) : z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** A varint, the one- and two-byte cases (nearly all of them) without the general loop. */
  nextVarint(): number {
    const buf = this.buf;
    const pos = this.pos;
    const b0 = buf[pos];
    if (b0 !== undefined && b0 < 0x80) {
      this.pos = pos + 1;
      return b0;
    }
    const b1 = buf[pos + 1];
    if (b0 !== undefined && b1 !== undefined && b1 < 0x80) {
      this.pos = pos + 2;
      return (b0 & 0x7f) | (b1 << 7);
    }
    return this.varint();
  }

  zigzag(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f64(): number {
    if (this.pos + 8 > this.buf.byteLength) throw new RangeError('read past the end');
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }
}
