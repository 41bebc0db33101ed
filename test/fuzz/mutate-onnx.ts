// ONNX mutations: decode a seed model, edit the decoded protobuf (attributes, dims, dtypes,
// wiring, op types, inserted hostile nodes), encode again. A few cases also flip raw bytes.
// Every choice comes from the seeded rng, so a case is reproducible from (seed, index).

import type { onnx as OnnxNs } from 'onnx-proto';
import onnxProto from 'onnx-proto';

const onnx = (onnxProto as unknown as typeof import('onnx-proto')).onnx;

type Rng = () => number;
type M = OnnxNs.IModelProto;

const pick = <T>(rng: Rng, a: readonly T[]): T => a[Math.floor(rng() * a.length)]!;
/** Values that sit on or across the limits, plus ordinary small ones. */
const SPECIAL = [0, -1, 1, 2, 3, 4, 7, 8, -2, 2 ** 15, 2 ** 16, 2 ** 16 + 1, 2 ** 22, 2 ** 23, 2 ** 24 + 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, -(2 ** 40), -(2 ** 53)];
const special = (rng: Rng) => (rng() < 0.6 ? pick(rng, SPECIAL) : Math.floor(rng() * 9) - 2);
const FLOATS = [0, -0, 1, -1, 1e-30, 1e30, 3.4e38, NaN, Infinity, -Infinity, 1e-45];
const OPS = ['Conv', 'Relu', 'MaxPool', 'AveragePool', 'Add', 'GlobalAveragePool', 'Flatten', 'Gemm', 'MatMul', 'BatchNormalization', 'Pad', 'Slice', 'Reshape', 'Identity', 'Clip', 'Concat', 'Gather', 'Shape', 'Unsqueeze'];
const ATTRS = ['pads', 'strides', 'dilations', 'kernel_shape', 'group', 'axis', 'ceil_mode', 'auto_pad', 'count_include_pad', 'transB', 'alpha', 'epsilon'];
const DTYPES = [1, 2, 3, 6, 7, 9, 10, 11, 13];
const T = onnx.AttributeProto.AttributeType;

function valueNames(m: M): string[] {
  const g = m.graph!;
  return [...(g.input ?? []).map((i) => i.name!), ...(g.initializer ?? []).map((t) => t.name!), ...(g.node ?? []).flatMap((n) => n.output ?? [])];
}

function int64Tensor(name: string, vals: number[]): OnnxNs.ITensorProto {
  return { name, dims: [vals.length], dataType: 7, int64Data: vals };
}

const EDITS: ((m: M, rng: Rng) => void)[] = [
  // an integer attribute (or one entry of a list) to a special value
  (m, rng) => {
    const n = pick(rng, m.graph!.node!);
    const a = (n.attribute ?? []).filter((x) => x.type === T.INT || x.type === T.INTS);
    if (!a.length) return;
    const at = pick(rng, a);
    if (at.type === T.INT) at.i = special(rng);
    else if (at.ints?.length) at.ints[Math.floor(rng() * at.ints.length)] = special(rng);
  },
  // add an attribute
  (m, rng) => {
    const n = pick(rng, m.graph!.node!);
    const name = pick(rng, ATTRS);
    const r = rng();
    const attr: OnnxNs.IAttributeProto = r < 0.4 ? { name, type: T.INTS, ints: Array.from({ length: pick(rng, [2, 4, 1, 0]) }, () => special(rng)) }
      : r < 0.7 ? { name, type: T.INT, i: special(rng) } : r < 0.85 ? { name, type: T.FLOAT, f: pick(rng, FLOATS) } : { name, type: T.STRING, s: new TextEncoder().encode(pick(rng, ['SAME_UPPER', 'VALID', 'NOTSET', 'x'])) };
    n.attribute = [...(n.attribute ?? []).filter((x) => x.name !== name), attr];
  },
  // drop an attribute
  (m, rng) => {
    const n = pick(rng, m.graph!.node!);
    if (n.attribute?.length) n.attribute.splice(Math.floor(rng() * n.attribute.length), 1);
  },
  // an initializer's dims
  (m, rng) => {
    const t = pick(rng, m.graph!.initializer ?? []);
    if (!t?.dims?.length) return;
    t.dims[Math.floor(rng() * t.dims.length)] = rng() < 0.5 ? special(rng) : Math.max(0, Number(t.dims[0]) + Math.floor(rng() * 3) - 1);
  },
  // an initializer's element type
  (m, rng) => {
    const t = pick(rng, m.graph!.initializer ?? []);
    if (t) t.dataType = pick(rng, DTYPES);
  },
  // an initializer's values: NaN, Inf, huge, truncated
  (m, rng) => {
    const t = pick(rng, m.graph!.initializer ?? []);
    if (!t?.rawData?.length) return;
    const raw = new Uint8Array(t.rawData);
    if (rng() < 0.2) { t.rawData = raw.subarray(0, Math.floor(raw.length * rng())); return; }
    const f = new Float32Array(raw.buffer, raw.byteOffset, raw.length >> 2);
    for (let k = 0; k < 1 + rng() * 4; k++) f[Math.floor(rng() * f.length)] = pick(rng, FLOATS);
    t.rawData = raw;
  },
  // the graph input's dims or element type
  (m, rng) => {
    const i = m.graph!.input![0]!;
    const dims = i.type?.tensorType?.shape?.dim;
    if (rng() < 0.2) { i.type!.tensorType!.elemType = pick(rng, DTYPES); return; }
    if (!dims?.length) return;
    const r = rng();
    if (r < 0.15) dims.pop();
    else if (r < 0.25) dims.push({ dimValue: special(rng) });
    else dims[Math.floor(rng() * dims.length)] = rng() < 0.2 ? { dimParam: 'N' } : { dimValue: special(rng) };
  },
  // rewire an input to another value
  (m, rng) => {
    const n = pick(rng, m.graph!.node!);
    if (!n.input?.length) return;
    n.input[Math.floor(rng() * n.input.length)] = rng() < 0.1 ? 'nowhere' : pick(rng, valueNames(m));
  },
  // a second producer of a value
  (m, rng) => {
    const nodes = m.graph!.node!;
    const a = pick(rng, nodes), b = pick(rng, nodes);
    if (a.output?.length && b.output?.length) b.output[0] = a.output[0]!;
  },
  // drop, duplicate or swap nodes
  (m, rng) => {
    const nodes = m.graph!.node!;
    const k = Math.floor(rng() * nodes.length);
    const r = rng();
    if (r < 0.4) nodes.splice(k, 1);
    else if (r < 0.7) nodes.splice(k, 0, onnx.NodeProto.fromObject(onnx.NodeProto.toObject(nodes[k] as OnnxNs.NodeProto)));
    else { const j = Math.floor(rng() * nodes.length); [nodes[k], nodes[j]] = [nodes[j]!, nodes[k]!]; }
  },
  // another op type
  (m, rng) => {
    pick(rng, m.graph!.node!).opType = pick(rng, OPS);
  },
  // opset version
  (m, rng) => {
    m.opsetImport = [{ domain: '', version: pick(rng, [1, 6, 9, 10, 11, 13, 17, 18, 21, 99]) }];
  },
  // a hostile node inserted somewhere, reading existing values
  (m, rng) => {
    const g = m.graph!, nodes = g.node!;
    const k = Math.floor(rng() * (nodes.length + 1));
    const prior = [...(g.input ?? []).map((i) => i.name!), ...(g.initializer ?? []).map((t) => t.name!), ...nodes.slice(0, k).flatMap((n) => n.output ?? [])];
    const x = pick(rng, prior), out = `fuzz_${k}_${Math.floor(rng() * 1e6)}`;
    const c = `${out}_c`;
    const r = rng();
    let node: OnnxNs.INodeProto;
    if (r < 0.2) {
      g.initializer = [...(g.initializer ?? []), int64Tensor(c, Array.from({ length: 8 }, () => special(rng)))];
      node = { opType: 'Pad', input: [x, c], output: [out] };
    } else if (r < 0.35) {
      g.initializer = [...(g.initializer ?? []), { name: c, dims: [1], dataType: pick(rng, [1, 7]), floatData: [1], int64Data: [special(rng)] }];
      node = { opType: 'Slice', input: [x, c, c], output: [out] };
    } else if (r < 0.5) {
      g.initializer = [...(g.initializer ?? []), int64Tensor(c, [special(rng), special(rng)])];
      node = { opType: pick(rng, ['Relu', 'GlobalAveragePool', 'Add']), input: pick(rng, [[c], [x, c]]), output: [out] };
    } else if (r < 0.7) {
      node = { opType: pick(rng, ['MaxPool', 'AveragePool', 'Conv']), input: [x, x], output: [out],
        attribute: [{ name: 'kernel_shape', type: T.INTS, ints: [pick(rng, [1, 2, 3, 2 ** 16]), pick(rng, [1, 2, 3])] }, { name: 'strides', type: T.INTS, ints: [special(rng), 1] }] };
    } else {
      node = { opType: pick(rng, ['Relu', 'Identity', 'GlobalAveragePool', 'Flatten']), input: [x], output: [out] };
    }
    nodes.splice(k, 0, node);
    // sometimes the new value replaces a later node's input, so it matters downstream
    const later = nodes.slice(k + 1).filter((n) => n.input?.length);
    if (later.length && rng() < 0.7) { const n = pick(rng, later); n.input![0] = out; }
  },
];

/** One mutated model (1..3 edits, sometimes a few flipped bytes after encoding). */
export function mutateOnnx(seed: Uint8Array, rng: Rng): Uint8Array {
  const m = onnx.ModelProto.decode(seed);
  const edits = 1 + Math.floor(rng() * 3);
  for (let e = 0; e < edits; e++) {
    if (!m.graph?.node?.length) break;
    pick(rng, EDITS)(m, rng);
  }
  const out = onnx.ModelProto.encode(m).finish();
  if (rng() < 0.05) {
    const b = out.slice();
    for (let k = 0; k < 1 + rng() * 3; k++) b[Math.floor(rng() * b.length)] = Math.floor(rng() * 256);
    return b;
  }
  return out;
}
