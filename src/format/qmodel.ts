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
//     bits 5: exponents 0..7; bits 4: exponents 0..6; the sign bit alone ("-0") is invalid.
//     The codec is src/core/pot-codec.ts; the reader decodes the codes to the weights.
//     "rule" says how the codes were chosen: log / linear (5-bit), floor (4-bit), or gptq
//     (output-aware rounding, src/quant/pot-gptq.ts; 4- or 5-bit, as "bits" says).
//     Version 1.1 added power-of-two layers; a 1.0 file is a 1.1 file without them. Version 1.2
//     added the rule gptq; a 1.1 file is a 1.2 file without it. Still 1.2, issue 12 added the
//     nodes avgpool, lut, concat, mul and softmax (src/format/qmodel-ops.ts): a file without them
//     reads as before; a reader that predates them refuses them as an unknown op. Likewise the
//     optional input.floatShape (an NHWC input: the data's per-image shape, src/ir/qgraph.ts).
//
// A reader validates everything before use: sizes, offsets, alignment, the checksum, every
// reference, every node's array lengths against its geometry, value references, parameter
// ranges. A file that fails any check is rejected with a one-line FormatError.

import { QuantizationError } from '../core/errors.js';
import { potCode } from '../core/pot-codec.js';
import type { QGraph } from '../ir/qgraph.js';
import { packCodes } from './bit-pack.js';
import { crc32 } from './crc32.js';
import { GraphReader } from './qmodel-graph.js';

export class FormatError extends Error {
  override readonly name = 'FormatError';
}

export const MAGIC = [0x44, 0x42, 0x4c, 0x51];
export const VERSION_MAJOR = 1;
export const VERSION_MINOR = 2;
const HEADER_BYTES = 32;
const SECTION_BYTES = 16;
const MAX_SECTIONS = 16;
const MAX_GRAPH_JSON = 4 << 20;
const MAX_FILE_BYTES = 1 << 30;
const SECTION_GRAPH = 1;
const SECTION_TENSORS = 2;


export function isQModel(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && MAGIC.every((b, i) => bytes[i] === b);
}

const align16 = (v: number) => (v + 15) & ~15;

// ---------------------------------------------------------------------------------------------
// Writer

/**
 * Writes the graph; the result is read back before it is returned, so no file is ever produced
 * that the reader refuses (a graph outside the limits of src/core/limits.ts is a QuantizationError).
 */
export function writeQModel(q: QGraph): Uint8Array {
  const out = layoutQModel(q);
  try {
    readQModel(out);
  } catch (e) {
    if (e instanceof FormatError) throw new QuantizationError(`the quantized model cannot be stored as .dq: ${e.message.replace(/^invalid \.dq model: /, '')}`);
    throw e;
  }
  return out;
}

function layoutQModel(q: QGraph): Uint8Array {
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
          ? { pot: { rule: pot.rule, bits: pot.bits, codes: put(packCodes(potCodes(n.name, weights, pot.bits), pot.bits)) } }
          : { weights: put(weights as Int8Array) };
        return { ...rest, ...w, weightScale: put(weightScale), bias: put(bias), requant: { mult: put(requant.mult), shift: put(requant.shift) } };
      }
      default: // issue 12 ops: every typed array (tables, divisor multipliers) into TENSORS
        return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, v instanceof Int8Array || v instanceof Int32Array ? put(v) : v]));
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

/** The codes of a PoT layer's weights; a weight that is no `bits`-bit power of two cannot be written. */
function potCodes(layer: string, weights: ArrayLike<number>, bits: 4 | 5): Uint8Array {
  const codes = new Uint8Array(weights.length);
  for (let i = 0; i < codes.length; i++) {
    const c = potCode(weights[i]!, bits);
    if (c < 0) throw new FormatError(`cannot write layer '${layer}': weight ${i} = ${weights[i]} is not a ${bits}-bit power-of-two weight`);
    codes[i] = c;
  }
  return codes;
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
