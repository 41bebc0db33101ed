// .dq mutations with the checksum recomputed, so the edits reach the reader's semantic checks:
// the GRAPH JSON is decoded, a field is set to a value on or across a limit (or a structure
// is changed), and the file is laid out again; other cases flip bytes in the TENSORS section
// (weights, biases, multipliers, shifts) or in the header.

import { crc32 } from '../../src/format/crc32.js';

type Rng = () => number;
const pick = <T>(rng: Rng, a: readonly T[]): T => a[Math.floor(rng() * a.length)]!;
const SPECIAL = [0, -1, 1, 2, 3, 31, 32, 62, 63, 127, 128, -128, -129, 2 ** 16, 2 ** 16 + 1, 2 ** 22 - 1, 2 ** 22, -(2 ** 22), 2 ** 23, 2 ** 23 - 1, 2 ** 24, 2 ** 26, 2 ** 30, 2 ** 31 - 1, 2 ** 31, 2 ** 40, 1.5, -0.5, 1e-40, 1e300];
const align16 = (v: number) => (v + 15) & ~15;

interface Parts { graph: unknown; tensors: Uint8Array }

function split(file: Uint8Array): Parts {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const nsec = dv.getUint32(12, true);
  let graph: unknown, tensors = new Uint8Array();
  for (let i = 0; i < nsec; i++) {
    const o = 32 + 16 * i, kind = dv.getUint32(o, true), off = dv.getUint32(o + 4, true), len = dv.getUint32(o + 8, true);
    if (kind === 1) graph = JSON.parse(new TextDecoder().decode(file.subarray(off, off + len)));
    if (kind === 2) tensors = file.slice(off, off + len);
  }
  return { graph, tensors };
}

/** Lays the file out as the writer does, with sizes and the checksum right. */
export function join(p: Parts): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(p.graph));
  const graphOff = 64, tensorsOff = align16(graphOff + json.length);
  const out = new Uint8Array(tensorsOff + p.tensors.length);
  const dv = new DataView(out.buffer);
  out.set([0x44, 0x42, 0x4c, 0x51]);
  dv.setUint16(4, 1, true); dv.setUint16(6, 1, true); dv.setUint32(8, 32, true); dv.setUint32(12, 2, true);
  dv.setUint32(16, out.length, true);
  dv.setUint32(32, 1, true); dv.setUint32(36, graphOff, true); dv.setUint32(40, json.length, true);
  dv.setUint32(48, 2, true); dv.setUint32(52, tensorsOff, true); dv.setUint32(56, p.tensors.length, true);
  out.set(json, graphOff);
  out.set(p.tensors, tensorsOff);
  dv.setUint32(20, crc32(out.subarray(32)), true);
  return out;
}

/** Every (container, key) pair holding a number or a numeric array inside the JSON. */
function slots(v: unknown, acc: [Record<string, unknown> | unknown[], string | number][] = []): typeof acc {
  if (Array.isArray(v)) v.forEach((x, i) => (typeof x === 'number' ? acc.push([v, i]) : slots(x, acc)));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) typeof x === 'number' ? acc.push([v as Record<string, unknown>, k]) : slots(x, acc);
  return acc;
}

function nodesOf(g: unknown): Record<string, unknown>[] {
  return ((g as { nodes?: unknown[] }).nodes ?? []) as Record<string, unknown>[];
}

const EDITS: ((p: Parts, rng: Rng) => void)[] = [
  // a number in the graph to a special value (mostly), or nudged by one
  (p, rng) => {
    const s = slots(p.graph);
    const [c, k] = pick(rng, s);
    const cur = (c as Record<string | number, number>)[k]!;
    (c as Record<string | number, number>)[k] = rng() < 0.7 ? pick(rng, SPECIAL) : cur + pick(rng, [-1, 1, 2, -2]);
  },
  // a node's op, inputs or outputs
  (p, rng) => {
    const nodes = nodesOf(p.graph);
    if (!nodes.length) return;
    const n = pick(rng, nodes), other = pick(rng, nodes);
    const r = rng();
    if (r < 0.3) n.op = pick(rng, ['conv', 'gemm', 'add', 'gavgpool', 'maxpool', 'strided-copy', 'to-nchw', 'reshape', 'relu']);
    else if (r < 0.6) n.outputs = other.outputs;
    else if (r < 0.8) n.inputs = rng() < 0.5 ? other.outputs : [...(n.inputs as string[]), ...(other.inputs as string[])];
    else nodes.splice(nodes.indexOf(n), 1);
  },
  // a value's shape
  (p, rng) => {
    const vals = (p.graph as { values?: { shape: number[] }[] }).values ?? [];
    if (!vals.length) return;
    const v = pick(rng, vals);
    const r = rng();
    if (r < 0.3) v.shape = [...v.shape, pick(rng, [1, 2, 2 ** 20])];
    else if (r < 0.5) v.shape = v.shape.slice(1);
    else v.shape[Math.floor(rng() * v.shape.length)] = pick(rng, SPECIAL);
  },
  // bytes in the tensors (weights, bias, mult, shift)
  (p, rng) => {
    if (!p.tensors.length) return;
    for (let k = 0; k < 1 + rng() * 6; k++) p.tensors[Math.floor(rng() * p.tensors.length)] = Math.floor(rng() * 256);
  },
  // an int32 word in the tensors to an extreme
  (p, rng) => {
    if (p.tensors.length < 4) return;
    const dv = new DataView(p.tensors.buffer, p.tensors.byteOffset, p.tensors.byteLength);
    dv.setInt32(Math.floor(rng() * (p.tensors.length >> 2)) * 4, pick(rng, [0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 30, 2 ** 30 - 1, 62, 63, 0x7f7f7f7f]), true);
  },
];

/** One mutated file (1..3 edits; checksum restamped in 95 % of cases). */
export function mutateDq(seed: Uint8Array, rng: Rng): Uint8Array {
  const p = split(seed);
  const edits = 1 + Math.floor(rng() * 3);
  for (let e = 0; e < edits; e++) pick(rng, EDITS)(p, rng);
  const out = join(p);
  if (rng() < 0.05) out[Math.floor(rng() * Math.min(out.length, 64))] ^= 1 << Math.floor(rng() * 8);
  return out;
}
