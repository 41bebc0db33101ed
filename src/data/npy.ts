/**
 * NumPy `.npy` reader/writer (format versions 1.0, 2.0 and 3.0), environment-neutral.
 *
 * File layout: magic `\x93NUMPY`, major and minor version bytes, the header
 * length (uint16 LE for 1.0, uint32 LE for 2.0/3.0), then the header: a
 * Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`
 * padded with spaces and terminated by '\n' (latin-1 for 1.0/2.0, utf-8 for 3.0),
 * then the raw C-order data.
 *
 * Supported dtypes: '<f4' (float32), '|u1' (uint8), '|i1' (int8), '<i4' (int32),
 * '<i8' (int64). Fortran order and big-endian data are rejected with DataError.
 * The header is parsed with a small strict parser (never eval).
 */
import {
  checkBatchArgs,
  DataError,
  uint8NormalizationTable,
  validateNormalization,
  type Batch,
  type Dataset,
  type ImageShape,
  type Normalization,
} from './dataset.js';

export type NpyDtype = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64';
export type NpyData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR_TO_DTYPE: Record<string, NpyDtype> = {
  '<f4': 'float32',
  '|u1': 'uint8',
  'u1': 'uint8',
  '<u1': 'uint8',
  '|i1': 'int8',
  'i1': 'int8',
  '<i1': 'int8',
  '<i4': 'int32',
  '<i8': 'int64',
};

const DTYPE_TO_DESCR: Record<NpyDtype, string> = {
  float32: '<f4',
  uint8: '|u1',
  int8: '|i1',
  int32: '<i4',
  int64: '<i8',
};

const ITEMSIZE: Record<NpyDtype, number> = { float32: 4, uint8: 1, int8: 1, int32: 4, int64: 8 };

const SUPPORTED = "'<f4', '|u1', '|i1', '<i4', '<i8'";

// ---------------------------------------------------------------------------
// Header dict parser (Python literal subset: dict, str, int, tuple, True/False)
// ---------------------------------------------------------------------------

type PyValue = string | number | boolean | PyValue[] | Map<string, PyValue>;

class HeaderParser {
  private i = 0;
  constructor(private readonly s: string, private readonly name: string) {}

  private fail(msg: string): never {
    throw new DataError(`${this.name}: bad .npy header (${msg} at offset ${this.i}): ${JSON.stringify(this.s.trim())}`);
  }

  private ws(): void {
    while (this.i < this.s.length && /[ \t\r\n]/.test(this.s[this.i]!)) this.i++;
  }

  private peek(): string | undefined {
    this.ws();
    return this.s[this.i];
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}'`);
    this.i++;
  }

  parseTop(): Map<string, PyValue> {
    if (this.peek() !== '{') this.fail("expected '{'");
    const v = this.value() as Map<string, PyValue>;
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected text after the dict');
    return v;
  }

  private value(): PyValue {
    const ch = this.peek();
    if (ch === '{') return this.dict();
    if (ch === '(' || ch === '[') return this.seq();
    if (ch === "'" || ch === '"') return this.str();
    if (ch !== undefined && /[0-9+-]/.test(ch)) return this.int();
    if (this.s.startsWith('True', this.i)) {
      this.i += 4;
      return true;
    }
    if (this.s.startsWith('False', this.i)) {
      this.i += 5;
      return false;
    }
    return this.fail('expected a value');
  }

  private dict(): Map<string, PyValue> {
    this.expect('{');
    const m = new Map<string, PyValue>();
    while (this.peek() !== '}') {
      const kch = this.peek();
      if (kch !== "'" && kch !== '"') this.fail('expected a string key');
      const k = this.str();
      if (m.has(k)) this.fail(`duplicate key '${k}'`);
      this.expect(':');
      m.set(k, this.value());
      if (this.peek() === ',') this.i++;
      else if (this.peek() !== '}') this.fail("expected ',' or '}'");
    }
    this.i++;
    return m;
  }

  private seq(): PyValue {
    const open = this.s[this.i]!;
    const close = open === '(' ? ')' : ']';
    this.i++;
    const out: PyValue[] = [];
    let sawComma = false;
    while (this.peek() !== close) {
      out.push(this.value());
      if (this.peek() === ',') {
        this.i++;
        sawComma = true;
      } else if (this.peek() !== close) this.fail(`expected ',' or '${close}'`);
    }
    this.i++;
    // `(5)` is just a parenthesised int in Python, not a tuple.
    if (open === '(' && out.length === 1 && !sawComma) return out[0]!;
    return out;
  }

  private str(): string {
    const q = this.s[this.i]!;
    const end = this.s.indexOf(q, this.i + 1);
    if (end < 0) this.fail('unterminated string');
    const v = this.s.slice(this.i + 1, end);
    if (v.includes('\\')) this.fail('escape sequences are not supported');
    this.i = end + 1;
    return v;
  }

  private int(): number {
    const m = /^[+-]?\d+L?/.exec(this.s.slice(this.i));
    if (!m) this.fail('expected an integer');
    const text = m[0].replace(/L$/, '');
    this.i += m[0].length;
    if (this.i < this.s.length && /[.eExX_a-zA-Z]/.test(this.s[this.i]!)) this.fail('only integers are allowed here');
    const v = Number(text);
    if (!Number.isSafeInteger(v)) this.fail(`integer ${text} is too large`);
    return v;
  }
}

/** Parses the header dict text; returns dtype descr, fortran flag and shape. */
export function parseNpyHeader(text: string, name = '.npy data'): { descr: string; fortranOrder: boolean; shape: number[] } {
  const dict = new HeaderParser(text, name).parseTop();
  const keys = [...dict.keys()].sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw new DataError(
      `${name}: bad .npy header: expected exactly the keys 'descr', 'fortran_order', 'shape', got ${keys.map((k) => `'${k}'`).join(', ') || 'none'}`,
    );
  }
  const descr = dict.get('descr');
  if (typeof descr !== 'string') throw new DataError(`${name}: bad .npy header: 'descr' must be a string (structured dtypes are not supported)`);
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw new DataError(`${name}: bad .npy header: 'fortran_order' must be True or False`);
  const shape = dict.get('shape');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new DataError(`${name}: bad .npy header: 'shape' must be a tuple of non-negative integers`);
  }
  return { descr, fortranOrder: fortran, shape: shape as number[] };
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function shapeStr(shape: number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Parses a complete .npy file. The returned data is a fresh, aligned copy
 * (independent of the alignment and lifetime of `bytes`). `name` is used in
 * error messages (e.g. the file path).
 */
export function parseNpy(bytes: Uint8Array, name = '.npy data'): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new DataError(`${name}: not a .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw new DataError(`${name}: unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else {
    if (bytes.length < 12) throw new DataError(`${name}: .npy file too short for a version ${major}.0 preamble`);
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    throw new DataError(`${name}: .npy header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      throw new DataError(`${name}: .npy header is not valid UTF-8`);
    }
  } else {
    text = latin1(headerBytes);
  }
  const { descr, fortranOrder, shape } = parseNpyHeader(text, name);
  if (fortranOrder) {
    throw new DataError(`${name}: Fortran-order (column-major) arrays are not supported; save with np.ascontiguousarray(x)`);
  }
  const dtype = DESCR_TO_DTYPE[descr];
  if (dtype === undefined) {
    const hint = descr.startsWith('>') ? ' (big-endian data is not supported)' : '';
    throw new DataError(`${name}: unsupported dtype '${descr}'${hint}; supported: ${SUPPORTED}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const itemsize = ITEMSIZE[dtype];
  const expected = count * itemsize;
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    const what = actual < expected ? 'truncated data' : 'trailing bytes after the data';
    throw new DataError(
      `${name}: ${what}: shape ${shapeStr(shape)} of '${descr}' needs ${expected} data bytes, the file has ${actual}`,
    );
  }
  // Explicit copy: `bytes` may be a Node Buffer, whose slice() is a view.
  const raw = new Uint8Array(expected);
  raw.set(bytes.subarray(dataStart));
  return { dtype, shape, data: decodeData(raw, dtype, count) };
}

function decodeData(raw: Uint8Array, dtype: NpyDtype, count: number): NpyData {
  // `raw` is a fresh copy starting at offset 0 of its own buffer, hence aligned.
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  switch (dtype) {
    case 'uint8':
      return raw;
    case 'int8':
      return new Int8Array(raw.buffer, 0, count);
    case 'float32': {
      if (le) return new Float32Array(raw.buffer, 0, count);
      const dv = new DataView(raw.buffer);
      return Float32Array.from({ length: count }, (_, i) => dv.getFloat32(i * 4, true));
    }
    case 'int32': {
      if (le) return new Int32Array(raw.buffer, 0, count);
      const dv = new DataView(raw.buffer);
      return Int32Array.from({ length: count }, (_, i) => dv.getInt32(i * 4, true));
    }
    case 'int64': {
      if (le) return new BigInt64Array(raw.buffer, 0, count);
      const dv = new DataView(raw.buffer);
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getBigInt64(i * 8, true);
      return out;
    }
  }
}

function dtypeOfData(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

/**
 * Serialises an array as .npy (C order, little-endian). Uses format 1.0
 * unless the header needs more than 65535 bytes (then 2.0) or `version`
 * says otherwise. The preamble is padded with spaces to a multiple of 64
 * bytes and ends with '\n', exactly as NumPy writes it.
 */
export function writeNpy(arr: NpyArray, opts: { version?: 1 | 2 | 3 } = {}): Uint8Array {
  const { dtype, shape, data } = arr;
  if (dtypeOfData(data) !== dtype) throw new DataError(`writeNpy: dtype '${dtype}' does not match the data array type`);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new DataError(`writeNpy: bad shape [${shape.join(', ')}]`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new DataError(`writeNpy: shape ${shapeStr(shape)} needs ${count} elements, the data has ${data.length}`);
  }
  const dictText = `{'descr': '${DTYPE_TO_DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeStr(shape)}, }`;
  let version = opts.version ?? 1;
  if (version === 1 && Math.ceil((10 + dictText.length + 1) / 64) * 64 - 10 > 0xffff) version = 2;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dictText.length + 1) / 64) * 64;
  const headerLen = total - pre;
  const header = dictText + ' '.repeat(headerLen - dictText.length - 1) + '\n';

  const itemsize = ITEMSIZE[dtype];
  const out = new Uint8Array(total + count * itemsize);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, headerLen, true);
  else dv.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i); // ASCII only
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (le || itemsize === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, count * itemsize), total);
  } else {
    for (let i = 0; i < count; i++) {
      const o = total + i * itemsize;
      if (data instanceof Float32Array) dv.setFloat32(o, data[i]!, true);
      else if (data instanceof Int32Array) dv.setInt32(o, data[i]!, true);
      else if (data instanceof BigInt64Array) dv.setBigInt64(o, data[i]!, true);
    }
  }
  return out;
}

/**
 * Converts an integer label array (uint8/int8/int32/int64, shape [N]) to
 * Uint8Array, checking every value is in 0..255.
 */
export function npyLabels(labels: NpyArray, name = 'labels'): Uint8Array {
  if (labels.shape.length !== 1) {
    throw new DataError(`${name}: labels must have shape [N], got ${shapeStr(labels.shape)}`);
  }
  if (labels.dtype === 'float32') throw new DataError(`${name}: labels must be integers ('<i8', '<i4', '|u1', '|i1'), got '<f4'`);
  const n = labels.shape[0]!;
  const out = new Uint8Array(n);
  const d = labels.data;
  for (let i = 0; i < n; i++) {
    const v = Number(d[i]!);
    if (v < 0 || v > 255) throw new DataError(`${name}: label ${v} at index ${i} is out of range 0..255`);
    out[i] = v;
  }
  return out;
}

/**
 * A dataset over in-memory .npy arrays.
 * - images: shape [N, C, H, W] or [N, H, W] (then C = 1), dtype float32 or uint8.
 *   float32 images are used as-is (assumed already normalised; `norm` is
 *   ignored for them). uint8 images map to `(p/255 - mean[c]) / std[c]`
 *   (no `norm` = p/255).
 * - labels: integer dtype, shape [N] with the same N, values 0..255.
 */
export function npyDataset(images: NpyArray, labels: NpyArray, norm?: Normalization, names?: { images?: string; labels?: string }): Dataset {
  const iname = names?.images ?? 'images';
  const lname = names?.labels ?? 'labels';
  const s = images.shape;
  let shape: ImageShape;
  if (s.length === 4) shape = { c: s[1]!, h: s[2]!, w: s[3]! };
  else if (s.length === 3) shape = { c: 1, h: s[1]!, w: s[2]! };
  else throw new DataError(`${iname}: images must have shape [N, C, H, W] or [N, H, W], got ${shapeStr(s)}`);
  if (shape.c === 0 || shape.h === 0 || shape.w === 0) throw new DataError(`${iname}: empty image dimension in shape ${shapeStr(s)}`);
  if (images.dtype !== 'float32' && images.dtype !== 'uint8') {
    throw new DataError(`${iname}: images must be '<f4' (float32) or '|u1' (uint8), got '${DTYPE_TO_DESCR[images.dtype]}'`);
  }
  const n = s[0]!;
  const lab = npyLabels(labels, lname);
  if (lab.length !== n) throw new DataError(`${lname}: ${lab.length} labels for ${n} images in ${iname}`);
  const per = shape.c * shape.h * shape.w;
  let lut: Float32Array | null = null;
  if (images.dtype === 'uint8') lut = uint8NormalizationTable(norm, shape.c);
  else if (norm) validateNormalization(norm, shape.c);
  const plane = shape.h * shape.w;
  const src = images.data;

  return {
    shape,
    size: n,
    batches(batchSize: number, opts?: { limit?: number }): AsyncIterable<Batch> {
      const limit = Math.min(n, checkBatchArgs(batchSize, opts));
      return {
        async *[Symbol.asyncIterator]() {
          for (let start = 0; start < limit; start += batchSize) {
            const count = Math.min(batchSize, limit - start);
            let imgs: Float32Array;
            if (lut === null) {
              imgs = (src as Float32Array).slice(start * per, (start + count) * per);
            } else {
              const u8 = src as Uint8Array;
              const table = lut;
              imgs = new Float32Array(count * per);
              let k = 0;
              let j = start * per;
              for (let i = 0; i < count; i++) {
                for (let c = 0; c < shape.c; c++) {
                  const lo = c * 256;
                  for (let p = 0; p < plane; p++) imgs[k++] = table[lo + u8[j++]!]!;
                }
              }
            }
            yield { images: imgs, labels: lab.slice(start, start + count), count };
          }
        },
      };
    },
  };
}
