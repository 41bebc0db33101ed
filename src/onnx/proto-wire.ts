// Protocol Buffers wire format, table-driven, for the ONNX messages doubleq reads and writes
// (src/onnx/onnx-schema.ts). Reference: protobuf.dev/programming-guides/encoding. Decoding is
// strict about what it cannot represent: a truncated or overlong varint, a length past the end,
// a known field with the wrong wire type, nesting deeper than MAX_DEPTH, an end-group without a
// start: each a ProtoError naming the field and the byte offset. Unknown fields are skipped, as
// protobuf requires. Decoded objects look as protobufjs made them: camelCase names, every
// scalar present with its default, repeated fields as arrays, absent messages null; int64 values
// are numbers when exact, else bigint. Repeated numbers are written packed and read either way.

export class ProtoError extends Error {}

export type Scalar = 'string' | 'bytes' | 'int32' | 'int64' | 'uint64' | 'float' | 'double';
/** [json name, scalar type or message name, repeated] */
export type Field = readonly [name: string, type: Scalar | string, repeated?: boolean];
export type Schema = Readonly<Record<string, Readonly<Record<number, Field>>>>;
export type Int64 = number | bigint;

const MAX_DEPTH = 64;
const SCALARS = new Set(['string', 'bytes', 'int32', 'int64', 'uint64', 'float', 'double']);
const WIRE: Record<Scalar, number> = { string: 2, bytes: 2, int32: 0, int64: 0, uint64: 0, float: 5, double: 1 };
const utf8 = new TextDecoder();
const utf8Out = new TextEncoder();

class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  fail(why: string): never {
    throw new ProtoError(`${why} at byte ${this.pos}`);
  }
  /** A varint as a 64-bit unsigned bigint (at most 10 bytes). */
  varint(): bigint {
    // fast path: up to 4 bytes (< 2^28) in plain numbers: tags, lengths, most values
    let small = 0;
    for (let i = 0, p = this.pos; i < 4 && p < this.end; i++, p++) {
      const b = this.buf[p]!;
      small |= (b & 0x7f) << (7 * i);
      if (!(b & 0x80)) {
        this.pos = p + 1;
        return BigInt(small);
      }
    }
    let v = 0n, shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return BigInt.asUintN(64, v);
      shift += 7n;
    }
    return this.fail('varint longer than 10 bytes');
  }
  /** A varint that must fit in 32 bits unsigned (tags, lengths). */
  u32(what: string): number {
    const b = this.buf[this.pos];
    if (b !== undefined && b < 0x80 && this.pos < this.end) return (this.pos++, b);
    const v = this.varint();
    if (v > 0xffffffffn) this.fail(`${what} ${v} is too large`);
    return Number(v);
  }
  take(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end (${this.end - this.pos} bytes left)`);
    const s = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  fixed(n: 4 | 8): number {
    if (n > this.end - this.pos) this.fail('truncated fixed-width value');
    const v = n === 4 ? this.view.getFloat32(this.pos, true) : this.view.getFloat64(this.pos, true);
    this.pos += n;
    return v;
  }
  skip(wire: number, depth: number): void {
    switch (wire) {
      case 0: this.varint(); return;
      case 1: this.take(8); return;
      case 2: this.take(this.u32('length')); return;
      case 5: this.take(4); return;
      case 3: {
        if (depth >= MAX_DEPTH) this.fail(`groups nested deeper than ${MAX_DEPTH}`);
        for (;;) {
          const tag = this.u32('tag');
          if ((tag & 7) === 4) return;
          this.skip(tag & 7, depth + 1);
        }
      }
      default: this.fail(wire === 4 ? 'end-group without a start' : `unknown wire type ${wire}`);
    }
  }
}

const signed64 = (v: bigint): Int64 => exact(BigInt.asIntN(64, v));
const exact = (v: bigint): Int64 => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

function scalar(r: Reader, type: Scalar): unknown {
  switch (type) {
    case 'string': return utf8.decode(r.take(r.u32('length')));
    case 'bytes': return r.take(r.u32('length')).slice(); // a copy: the caller may reuse its buffer
    case 'int32': return Number(BigInt.asIntN(32, r.varint()));
    case 'int64': return signed64(r.varint());
    case 'uint64': return exact(r.varint());
    case 'float': return r.fixed(4);
    case 'double': return r.fixed(8);
  }
}

const fieldLists = new WeakMap<object, Field[]>();

function defaults(schema: Schema, type: string): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const msg = schema[type]!;
  let list = fieldLists.get(msg);
  if (!list) fieldLists.set(msg, (list = Object.values(msg)));
  for (const [name, t, rep] of list) {
    o[name] = rep ? [] : !SCALARS.has(t) ? null : t === 'string' ? '' : t === 'bytes' ? new Uint8Array(0) : 0;
  }
  return o;
}

function decodeAt(schema: Schema, type: string, r: Reader, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) r.fail(`messages nested deeper than ${MAX_DEPTH}`);
  const fields = schema[type]!;
  const o = defaults(schema, type);
  while (r.pos < r.end) {
    const tag = r.u32('tag'), num = tag >>> 3, wire = tag & 7;
    const f = fields[num];
    if (num === 0) r.fail('field number 0');
    if (!f) { r.skip(wire, depth); continue; }
    const [name, t, rep] = f;
    const where = `${type}.${name}`;
    if (!SCALARS.has(t)) {
      if (wire !== 2) r.fail(`${where} has wire type ${wire}, expected 2`);
      const len = r.u32('length');
      if (len > r.end - r.pos) r.fail(`${where}: length ${len} runs past the end (${r.end - r.pos} bytes left)`);
      const sub = new Reader(r.buf, r.pos + len);
      sub.pos = r.pos;
      const m = decodeAt(schema, t, sub, depth + 1);
      r.pos += len;
      if (rep) (o[name] as unknown[]).push(m);
      else o[name] = m;
      continue;
    }
    const want = WIRE[t as Scalar];
    if (rep && wire === 2 && want !== 2) { // packed
      const len = r.u32('length');
      if (len > r.end - r.pos) r.fail(`${where}: packed length ${len} runs past the end`);
      const stop = r.pos + len, sub = new Reader(r.buf, stop);
      sub.pos = r.pos;
      const arr = o[name] as unknown[];
      while (sub.pos < stop) arr.push(scalar(sub, t as Scalar));
      r.pos = stop;
      continue;
    }
    if (wire !== want) r.fail(`${where} has wire type ${wire}, expected ${want}`);
    const v = scalar(r, t as Scalar);
    if (rep) (o[name] as unknown[]).push(v);
    else o[name] = v;
  }
  if (r.pos !== r.end) r.fail(`${type} overruns its length`);
  return o;
}

/** Decodes `bytes` as message `type` of `schema`; throws ProtoError on malformed input. */
export function decodeMessage(schema: Schema, type: string, bytes: Uint8Array): Record<string, unknown> {
  return decodeAt(schema, type, new Reader(bytes), 0);
}

class Writer {
  private buf = new Uint8Array(1024);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    this.room(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }
  bytes(b: Uint8Array): void {
    this.varint(BigInt(b.length));
    this.raw(b);
  }
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  fixed(v: number, n: 4 | 8): void {
    this.room(n);
    const dv = new DataView(this.buf.buffer, this.len, n);
    if (n === 4) dv.setFloat32(0, v, true);
    else dv.setFloat64(0, v, true);
    this.len += n;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const int = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v))));

function writeScalar(w: Writer, type: Scalar, v: unknown): void {
  switch (type) {
    case 'string': return w.bytes(utf8Out.encode(String(v)));
    case 'bytes': return w.bytes(v as Uint8Array);
    case 'int32': case 'int64': case 'uint64': return w.varint(int(v));
    case 'float': return w.fixed(Number(v), 4);
    case 'double': return w.fixed(Number(v), 8);
  }
}

function encodeInto(schema: Schema, type: string, o: Record<string, unknown>, w: Writer): void {
  for (const [numText, [name, t, rep]] of Object.entries(schema[type]!)) {
    const v = o[name], num = BigInt(numText);
    if (v === undefined || v === null) continue;
    const tag = (wire: number) => w.varint((num << 3n) | BigInt(wire));
    const values = rep ? (v as ArrayLike<unknown>) : [v];
    if (rep && values.length === 0) continue;
    if (!SCALARS.has(t)) {
      for (const m of Array.from(values)) {
        const sub = new Writer();
        encodeInto(schema, t, m as Record<string, unknown>, sub);
        tag(2);
        w.bytes(sub.finish());
      }
    } else if (rep && WIRE[t as Scalar] !== 2) {
      const sub = new Writer();
      for (const x of Array.from(values)) writeScalar(sub, t as Scalar, x);
      tag(2);
      w.bytes(sub.finish());
    } else {
      for (const x of Array.from(values)) {
        tag(WIRE[t as Scalar]);
        writeScalar(w, t as Scalar, x);
      }
    }
  }
}

/** Encodes `o` (fields by json name; absent or null fields are not written) as message `type`. */
export function encodeMessage(schema: Schema, type: string, o: object): Uint8Array {
  const w = new Writer();
  encodeInto(schema, type, o as Record<string, unknown>, w);
  return w.finish();
}
