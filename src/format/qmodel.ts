// The packed quantized model file (.dq). This comment is the specification.
//
// All integers little-endian. Offsets are from the start of the file.
//
//  1. Header, 32 bytes:
//       0  magic        4 bytes  "DBLQ" (44 42 4C 51)
//       4  version      u16      major = 1 (a reader rejects any other major)
//       6  minor        u16      0 (a reader accepts any minor of its major)
//       8  headerBytes  u32      32
//      12  sections     u32      number of entries in the section table (1..16)
//      16  fileBytes    u32      total file length; must equal the actual length
//      20  crc32        u32      CRC-32 (IEEE, as zlib) of bytes [32, fileBytes)
//      24  flags        u32      0
//      28  reserved     u32      0
//  2. Section table at offset 32: `sections` entries of 16 bytes:
//       kind u32 (1 = GRAPH, 2 = TENSORS), offset u32, length u32, reserved u32 (0).
//     Each section starts 16-byte aligned and lies inside the file; sections do not overlap.
//  3. GRAPH section: UTF-8 JSON (at most 4 MiB) describing the QGraph: name, input, outputs,
//     values (name, per-image shape, scale, zeroPoint) and nodes (op, name, inputs, outputs and
//     the op's scalar fields). Every array of a node (weights, weightScale, bias, requant.mult,
//     requant.shift) is a reference {"t": [offset, count]} into the TENSORS section.
//  4. TENSORS section: the arrays, each starting 16-byte aligned relative to the section:
//     weights int8 in [-127, 127], bias int32, weightScale float32, mult int32, shift int32, and for a
//     power-of-two layer (node field "pot": {"rule", "bits", "codes"}, no "weights") its codes
//     bit-packed: code i occupies bits [i*bits, (i+1)*bits) of a little-endian bit stream
//     (bit 0 of byte 0 first), ceil(n*bits/8) bytes, unused high bits of the last byte zero.
//     A code is a sign bit (the top bit) + magnitude (0 = zero weight, else exponent + 1):
//     bits 5: exponents 0..7; bits 4: exponents 0..6. The reader decodes them to the weights.
//     Version 1.1 added power-of-two layers; a 1.0 file is a 1.1 file without them.
//
// A reader validates everything before use: sizes, offsets, alignment, the checksum, every
// reference, every node's array lengths against its geometry, value references, parameter
// ranges. A file that fails any check is rejected with a one-line FormatError.

import type { ChannelRequant, Conv2dGeometry, PotRounding, PotWeights, QGraph, QNode, QParams, QValue, QWeights } from '../ir/qgraph.js';
import { decodePot } from '../quant/quantize-pot.js';
import { crc32 } from './crc32.js';

export class FormatError extends Error {
  override readonly name = 'FormatError';
}

export const MAGIC = [0x44, 0x42, 0x4c, 0x51];
export const VERSION_MAJOR = 1;
export const VERSION_MINOR = 1;
const HEADER_BYTES = 32;
const SECTION_BYTES = 16;
const MAX_SECTIONS = 16;
const MAX_GRAPH_JSON = 4 << 20;
const MAX_FILE_BYTES = 1 << 30;
const SECTION_GRAPH = 1;
const SECTION_TENSORS = 2;

type ArrayKind = 'u8' | 'i8' | 'i32' | 'f32';
const ITEM: Record<ArrayKind, number> = { u8: 1, i8: 1, i32: 4, f32: 4 };

/** Packs codes of `bits` bits into a little-endian bit stream. */
export function packCodes(codes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((codes.length * bits) / 8));
  for (let i = 0, bit = 0; i < codes.length; i++, bit += bits) {
    const v = codes[i]! << (bit & 7);
    out[bit >> 3]! |= v & 0xff;
    if ((bit & 7) + bits > 8) out[(bit >> 3) + 1]! |= v >> 8;
  }
  return out;
}

export function unpackCodes(packed: Uint8Array, count: number, bits: number): Uint8Array {
  const out = new Uint8Array(count);
  const mask = (1 << bits) - 1;
  for (let i = 0, bit = 0; i < count; i++, bit += bits) {
    const lo = packed[bit >> 3]!, hi = (bit & 7) + bits > 8 ? packed[(bit >> 3) + 1]! : 0;
    out[i] = ((lo | (hi << 8)) >> (bit & 7)) & mask;
  }
  return out;
}

export function isQModel(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && MAGIC.every((b, i) => bytes[i] === b);
}

const align16 = (v: number) => (v + 15) & ~15;

// ---------------------------------------------------------------------------------------------
// Writer

export function writeQModel(q: QGraph): Uint8Array {
  const chunks: Uint8Array[] = [];
  let tensorBytes = 0;
  const put = (a: Uint8Array | Int8Array | Int32Array | Float32Array) => {
    const off = tensorBytes;
    chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    tensorBytes = align16(off + a.byteLength);
    chunks.push(new Uint8Array(tensorBytes - off - a.byteLength));
    return { t: [off, a.length] };
  };
  const nodes = q.nodes.map((n) => {
    switch (n.op) {
      case 'conv':
      case 'gemm': {
        const { weights, weightScale, bias, requant, pot, ...rest } = n;
        const w = pot
          ? { pot: { rule: pot.rule, bits: pot.bits, codes: put(packCodes(pot.codes, pot.bits)) } }
          : { weights: put(weights as Int8Array) };
        return { ...rest, ...w, weightScale: put(weightScale), bias: put(bias), requant: { mult: put(requant.mult), shift: put(requant.shift) } };
      }
      default:
        return n;
    }
  });
  const graph = {
    name: q.name,
    input: q.input,
    outputs: q.outputs,
    values: [...q.values.values()].map((v) => ({ name: v.name, shape: v.shape, scale: v.q.scale, zeroPoint: v.q.zeroPoint })),
    nodes,
  };
  const json = new TextEncoder().encode(JSON.stringify(graph, sortedKeys));
  const tableEnd = HEADER_BYTES + 2 * SECTION_BYTES;
  const graphOff = align16(tableEnd);
  const tensorsOff = align16(graphOff + json.length);
  const fileBytes = tensorsOff + tensorBytes;
  const out = new Uint8Array(fileBytes);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint16(4, VERSION_MAJOR, true);
  dv.setUint16(6, VERSION_MINOR, true);
  dv.setUint32(8, HEADER_BYTES, true);
  dv.setUint32(12, 2, true);
  dv.setUint32(16, fileBytes, true);
  const entry = (i: number, kind: number, off: number, len: number) => {
    const o = HEADER_BYTES + i * SECTION_BYTES;
    dv.setUint32(o, kind, true);
    dv.setUint32(o + 4, off, true);
    dv.setUint32(o + 8, len, true);
  };
  entry(0, SECTION_GRAPH, graphOff, json.length);
  entry(1, SECTION_TENSORS, tensorsOff, tensorBytes);
  out.set(json, graphOff);
  let o = tensorsOff;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  dv.setUint32(20, crc32(out.subarray(HEADER_BYTES)), true);
  return out;
}

/** Objects serialised with sorted keys, so equal graphs give equal bytes. */
function sortedKeys(_key: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---------------------------------------------------------------------------------------------
// Reader

export function readQModel(input: Uint8Array): QGraph {
  // A plain view: a Node Buffer's slice() would share memory instead of copying.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const fail = (msg: string): never => {
    throw new FormatError(`invalid .dq model: ${msg}`);
  };
  if (bytes.length < HEADER_BYTES) fail(`${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header (truncated?)`);
  if (!isQModel(bytes)) fail('bad magic (not a doubleq model file)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = dv.getUint16(4, true);
  if (major !== VERSION_MAJOR) fail(`format version ${major}.${dv.getUint16(6, true)} is not supported (this reader reads ${VERSION_MAJOR}.x)`);
  if (dv.getUint32(8, true) !== HEADER_BYTES) fail('bad header size');
  const fileBytes = dv.getUint32(16, true);
  if (fileBytes !== bytes.length) fail(`the header declares ${fileBytes} bytes but the file has ${bytes.length} (truncated or padded)`);
  if (fileBytes > MAX_FILE_BYTES) fail('file too large');
  const nsec = dv.getUint32(12, true);
  if (nsec < 1 || nsec > MAX_SECTIONS) fail(`section count ${nsec} out of range 1..${MAX_SECTIONS}`);
  if (HEADER_BYTES + nsec * SECTION_BYTES > bytes.length) fail('section table runs past the end of the file');
  if (dv.getUint32(24, true) !== 0 || dv.getUint32(28, true) !== 0) fail('unknown header flags');
  if (crc32(bytes.subarray(HEADER_BYTES)) !== dv.getUint32(20, true)) fail('checksum mismatch (the file is corrupted)');

  const sections = new Map<number, { offset: number; length: number }>();
  const spans: [number, number][] = [];
  for (let i = 0; i < nsec; i++) {
    const o = HEADER_BYTES + i * SECTION_BYTES;
    const kind = dv.getUint32(o, true), offset = dv.getUint32(o + 4, true), length = dv.getUint32(o + 8, true);
    if (kind !== SECTION_GRAPH && kind !== SECTION_TENSORS) fail(`unknown section kind ${kind}`);
    if (sections.has(kind)) fail(`duplicate section kind ${kind}`);
    if (offset % 16 !== 0 || offset < HEADER_BYTES + nsec * SECTION_BYTES || offset + length > bytes.length) fail(`section ${i} [${offset}, +${length}) is out of bounds or misaligned`);
    for (const [a, b] of spans) if (offset < b && a < offset + length) fail('sections overlap');
    spans.push([offset, offset + length]);
    sections.set(kind, { offset, length });
  }
  const gs = sections.get(SECTION_GRAPH) ?? fail('no GRAPH section');
  const ts = sections.get(SECTION_TENSORS) ?? fail('no TENSORS section');
  if (gs.length > MAX_GRAPH_JSON) fail('GRAPH section too large');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(gs.offset, gs.offset + gs.length)));
  } catch (e) {
    fail(`GRAPH section is not valid JSON: ${(e as Error).message}`);
  }
  return new GraphReader(bytes.subarray(ts.offset, ts.offset + ts.length), fail).graph(raw);
}

class GraphReader {
  constructor(private readonly tensors: Uint8Array, private readonly fail: (msg: string) => never) {}

  private obj(v: unknown, what: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(`${what} must be an object`);
    return v as Record<string, unknown>;
  }
  private str(v: unknown, what: string): string {
    if (typeof v !== 'string' || v.length > 4096) this.fail(`${what} must be a string`);
    return v as string;
  }
  private int(v: unknown, what: string, lo = -(2 ** 31), hi = 2 ** 31 - 1): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) this.fail(`${what} must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
    return v as number;
  }
  private num(v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${what} must be a finite number`);
    return v as number;
  }
  private arr(v: unknown, what: string, max = 1 << 20): unknown[] {
    if (!Array.isArray(v) || v.length > max) this.fail(`${what} must be an array`);
    return v as unknown[];
  }
  private ints(v: unknown, what: string, lo = 0, hi = 2 ** 31 - 1, max = 8): number[] {
    return this.arr(v, what, max).map((x, i) => this.int(x, `${what}[${i}]`, lo, hi));
  }
  private strs(v: unknown, what: string): string[] {
    return this.arr(v, what, 8).map((x, i) => this.str(x, `${what}[${i}]`));
  }

  private tensor<K extends ArrayKind>(v: unknown, kind: K, count: number, what: string): K extends 'u8' ? Uint8Array : K extends 'i8' ? Int8Array : K extends 'i32' ? Int32Array : Float32Array {
    const t = this.arr(this.obj(v, what).t, `${what}.t`, 2);
    const off = this.int(t[0], `${what} offset`, 0), n = this.int(t[1], `${what} count`, 0);
    if (n !== count) this.fail(`${what} has ${n} values, its node needs ${count}`);
    if (off % 16 !== 0 || off + n * ITEM[kind] > this.tensors.length) this.fail(`${what} [${off}, +${n * ITEM[kind]}) is outside the TENSORS section or misaligned`);
    const bytes = this.tensors.slice(off, off + n * ITEM[kind]); // copy: aligned, owned
    const out = kind === 'u8' ? bytes : kind === 'i8' ? new Int8Array(bytes.buffer, 0, n) : kind === 'i32' ? new Int32Array(bytes.buffer, 0, n) : new Float32Array(bytes.buffer, 0, n);
    return out as never;
  }

  private qparams(scale: unknown, zp: unknown, what: string): QParams {
    const s = this.num(scale, `${what} scale`);
    if (!(s > 0)) this.fail(`${what} scale must be positive`);
    return { scale: s, zeroPoint: this.int(zp, `${what} zeroPoint`, -128, 127) };
  }

  private requant(v: unknown, count: number, what: string): ChannelRequant {
    const r = this.obj(v, what);
    const mult = this.tensor(r.mult, 'i32', count, `${what}.mult`), shift = this.tensor(r.shift, 'i32', count, `${what}.shift`);
    for (let i = 0; i < count; i++) {
      if (mult[i]! < 2 ** 30) this.fail(`${what}.mult[${i}] out of range`);
      if (shift[i]! < 1 || shift[i]! > 62) this.fail(`${what}.shift[${i}] out of range`);
    }
    return { mult, shift };
  }

  /** int8 "weights", or a "pot" object whose packed codes are validated and decoded. */
  private layerWeights(o: Record<string, unknown>, count: number, what: string): { weights: QWeights; pot?: PotWeights } {
    if (o.pot === undefined) {
      const weights = this.tensor(o.weights, 'i8', count, `${what} weights`);
      if (weights.includes(-128)) this.fail(`${what} weights must lie in [-127, 127]`);
      return { weights };
    }
    if (o.weights !== undefined) this.fail(`${what} has both int8 weights and power-of-two codes`);
    const p = this.obj(o.pot, `${what} pot`);
    const rule = p.rule as PotRounding;
    if (rule !== 'log' && rule !== 'linear' && rule !== 'floor') this.fail(`${what} pot.rule must be log, linear or floor`);
    const bits = this.int(p.bits, `${what} pot.bits`, 4, 5) as 4 | 5;
    if (bits !== (rule === 'floor' ? 4 : 5)) this.fail(`${what}: rule '${rule}' uses ${rule === 'floor' ? 4 : 5}-bit codes, not ${bits}`);
    const packed = this.tensor(p.codes, 'u8', Math.ceil((count * bits) / 8), `${what} pot.codes`);
    if ((count * bits) % 8 !== 0 && packed[packed.length - 1]! >> ((count * bits) % 8) !== 0) this.fail(`${what} pot.codes has stray bits after the last code`);
    const codes = unpackCodes(packed, count, bits);
    const signBit = 1 << (bits - 1), maxMag = bits === 5 ? 8 : 7;
    const weights = new Int16Array(count);
    for (let i = 0; i < count; i++) {
      const mag = codes[i]! & (signBit - 1);
      if (mag > maxMag || (mag === 0 && codes[i] !== 0)) this.fail(`${what} pot code ${i} (${codes[i]}) is not a valid ${bits}-bit code`);
      weights[i] = decodePot(codes[i]!, bits);
    }
    return { weights, pot: { rule, bits, codes } };
  }

  private geometry(v: unknown, what: string, withM: boolean): Conv2dGeometry {
    const g = this.obj(v, what);
    const keys = ['c', 'h', 'w', 'kh', 'kw', 'strideH', 'strideW', 'dilationH', 'dilationW', 'oh', 'ow', ...(withM ? ['m', 'group'] : [])];
    const out: Record<string, number> = {};
    for (const k of keys) out[k] = this.int(g[k], `${what}.${k}`, 1, 1 << 16);
    for (const k of ['padTop', 'padLeft', 'padBottom', 'padRight']) out[k] = this.int(g[k], `${what}.${k}`, 0, 1 << 16);
    const o = out as unknown as Conv2dGeometry;
    const eh = (o.kh - 1) * o.dilationH + 1, ew = (o.kw - 1) * o.dilationW + 1;
    if (Math.floor((o.h + o.padTop + o.padBottom - eh) / o.strideH) + 1 !== o.oh || Math.floor((o.w + o.padLeft + o.padRight - ew) / o.strideW) + 1 !== o.ow)
      this.fail(`${what}: output size does not follow from the input size and window`);
    if (withM && (o.c % o.group !== 0 || o.m % o.group !== 0)) this.fail(`${what}: group must divide c and m`);
    return o;
  }

  graph(raw: unknown): QGraph {
    const r = this.obj(raw, 'graph');
    const values = new Map<string, QValue>();
    for (const [i, v] of this.arr(r.values, 'values', 1 << 16).entries()) {
      const o = this.obj(v, `values[${i}]`);
      const name = this.str(o.name, `values[${i}].name`);
      if (values.has(name)) this.fail(`duplicate value '${name}'`);
      const shape = this.ints(o.shape, `value '${name}' shape`, 1, 1 << 24, 3);
      if (shape.length < 1 || shape.reduce((p, d) => p * d, 1) > 1 << 26) this.fail(`value '${name}' has an invalid shape`);
      values.set(name, { name, shape, q: this.qparams(o.scale, o.zeroPoint, `value '${name}'`) });
    }
    const val = (name: string, what: string) => values.get(name) ?? this.fail(`${what} refers to unknown value '${name}'`);
    const size = (name: string) => val(name, name).shape.reduce((p, d) => p * d, 1);

    const inp = this.obj(r.input, 'input');
    const input = {
      name: this.str(inp.name, 'input.name'),
      shape: this.ints(inp.shape, 'input.shape', 1, 1 << 24, 3),
      q: (() => { const q = this.obj(inp.q, 'input.q'); return this.qparams(q.scale, q.zeroPoint, 'input'); })(),
      quantized: this.str(inp.quantized, 'input.quantized'),
    };
    if (input.shape.reduce((p, d) => p * d, 1) !== size(input.quantized)) this.fail('input shape does not match its quantized value');

    const written = new Set([input.quantized]);
    const nodes: QNode[] = this.arr(r.nodes, 'nodes', 1 << 16).map((nv, i) => {
      const o = this.obj(nv, `nodes[${i}]`);
      const name = this.str(o.name, `nodes[${i}].name`);
      const what = `node '${name}'`;
      const inputs = this.strs(o.inputs, `${what} inputs`), outputs = this.strs(o.outputs, `${what} outputs`);
      for (const x of inputs) if (!written.has(x)) this.fail(`${what} reads '${x}' before any node writes it`);
      if (outputs.length !== 1) this.fail(`${what} must have one output`);
      val(outputs[0]!, what);
      for (const x of inputs) val(x, what);
      if (written.has(outputs[0]!)) this.fail(`${what} writes '${outputs[0]}' a second time`);
      written.add(outputs[0]!);
      const base = { name, inputs, outputs };
      const arity = (k: number) => inputs.length === k || this.fail(`${what} must have ${k} input(s)`);
      const sizes = (x: number, y: number) => (size(inputs[0]!) === x && size(outputs[0]!) === y) || this.fail(`${what}: value sizes do not match the op`);
      const qmin = () => this.int(o.qmin, `${what} qmin`, -128, 127), qmax = () => this.int(o.qmax, `${what} qmax`, -128, 127);
      switch (o.op) {
        case 'conv': {
          arity(1);
          const geometry = this.geometry(o.geometry, `${what} geometry`, true);
          const { m, kh, kw, c, group, h, w, oh, ow } = geometry;
          sizes(h * w * c, oh * ow * m);
          const lo = qmin(), hi = qmax();
          if (lo > hi) this.fail(`${what}: qmin > qmax`);
          return { ...base, op: 'conv', geometry, ...this.layerWeights(o, m * kh * kw * (c / group), what),
            weightScale: this.tensor(o.weightScale, 'f32', m, `${what} weightScale`), bias: this.tensor(o.bias, 'i32', m, `${what} bias`),
            requant: this.requant(o.requant, m, `${what} requant`), qmin: lo, qmax: hi };
        }
        case 'gemm': {
          arity(1);
          const k = this.int(o.k, `${what} k`, 1, 1 << 24), m = this.int(o.m, `${what} m`, 1, 1 << 16);
          sizes(k, m);
          const lo = qmin(), hi = qmax();
          if (lo > hi) this.fail(`${what}: qmin > qmax`);
          return { ...base, op: 'gemm', k, m, ...this.layerWeights(o, m * k, what),
            weightScale: this.tensor(o.weightScale, 'f32', m, `${what} weightScale`), bias: this.tensor(o.bias, 'i32', m, `${what} bias`),
            requant: this.requant(o.requant, m, `${what} requant`), qmin: lo, qmax: hi };
        }
        case 'add': {
          arity(2);
          const s = this.int(o.size, `${what} size`, 1, 1 << 26);
          sizes(s, s);
          if (size(inputs[1]!) !== s) this.fail(`${what}: input sizes differ`);
          return { ...base, op: 'add', size: s, aMult: this.int(o.aMult, `${what} aMult`, -(2 ** 22), 2 ** 22), bMult: this.int(o.bMult, `${what} bMult`, -(2 ** 22), 2 ** 22),
            shift: this.int(o.shift, `${what} shift`, 1, 31), qmin: qmin(), qmax: qmax() };
        }
        case 'gavgpool': {
          arity(1);
          const h = this.int(o.h, `${what} h`, 1, 1 << 16), w = this.int(o.w, `${what} w`, 1, 1 << 16), c = this.int(o.c, `${what} c`, 1, 1 << 16);
          sizes(h * w * c, c);
          const rq = this.obj(o.requant, `${what} requant`);
          const mult = this.int(rq.mult, `${what} requant.mult`, 2 ** 30, 2 ** 31 - 1), shift = this.int(rq.shift, `${what} requant.shift`, 1, 62);
          return { ...base, op: 'gavgpool', h, w, c, requant: { mult, shift } };
        }
        case 'maxpool': {
          arity(1);
          const geometry = this.geometry(o.geometry, `${what} geometry`, false);
          sizes(geometry.h * geometry.w * geometry.c, geometry.oh * geometry.ow * geometry.c);
          return { ...base, op: 'maxpool', geometry };
        }
        case 'strided-copy': {
          arity(1);
          const inShape = this.ints(o.inShape, `${what} inShape`, 1, 1 << 24, 3), outShape = this.ints(o.outShape, `${what} outShape`, 1, 1 << 24, 3);
          const r = inShape.length;
          if (outShape.length !== r) this.fail(`${what}: rank mismatch`);
          const start = this.ints(o.start, `${what} start`, 0, 1 << 24, 3), step = this.ints(o.step, `${what} step`, 1, 1 << 24, 3);
          const lo = this.ints(o.lo, `${what} lo`, 0, 1 << 24, 3), hi = this.ints(o.hi, `${what} hi`, 0, 1 << 24, 3);
          if ([start, step, lo, hi].some((a) => a.length !== r)) this.fail(`${what}: rank mismatch`);
          for (let a = 0; a < r; a++) {
            if (lo[a]! > hi[a]! || hi[a]! > outShape[a]!) this.fail(`${what}: bad copy window on axis ${a}`);
            if (hi[a]! > lo[a]! && start[a]! + step[a]! * (hi[a]! - lo[a]! - 1) >= inShape[a]!) this.fail(`${what}: reads past the input on axis ${a}`);
          }
          sizes(inShape.reduce((p, d) => p * d, 1), outShape.reduce((p, d) => p * d, 1));
          return { ...base, op: 'strided-copy', inShape, outShape, start, step, lo, hi, fill: this.int(o.fill, `${what} fill`, -128, 127) };
        }
        case 'to-nchw': {
          arity(1);
          const h = this.int(o.h, `${what} h`, 1, 1 << 16), w = this.int(o.w, `${what} w`, 1, 1 << 16), c = this.int(o.c, `${what} c`, 1, 1 << 16);
          sizes(h * w * c, h * w * c);
          return { ...base, op: 'to-nchw', h, w, c };
        }
        case 'reshape':
          arity(1);
          sizes(size(inputs[0]!), size(inputs[0]!));
          return { ...base, op: 'reshape' };
        default:
          return this.fail(`${what} has unknown op ${JSON.stringify(o.op)}`);
      }
    });
    const outputs = this.arr(r.outputs, 'outputs', 16).map((ov, i) => {
      const o = this.obj(ov, `outputs[${i}]`);
      const quantized = this.str(o.quantized, `outputs[${i}].quantized`);
      if (!written.has(quantized)) this.fail(`output ${i} refers to a value no node writes`);
      const shape = this.ints(o.shape, `outputs[${i}].shape`, 1, 1 << 24, 3);
      if (shape.reduce((p, d) => p * d, 1) !== size(quantized)) this.fail(`output ${i} shape does not match its value`);
      return { name: this.str(o.name, `outputs[${i}].name`), shape, quantized };
    });
    if (outputs.length === 0) this.fail('the graph has no outputs');
    return { name: this.str(r.name, 'name'), input, outputs, values, nodes };
  }
}
