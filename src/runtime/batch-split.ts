// When a float graph's batch can be cut into chunks: running the graph imported at a smaller
// batch on consecutive slices of the images must give, image by image, the same floats as one
// run over all of them. That holds when every activation carries the batch as its leading
// dimension (the rest the same at both sizes), the constants do not depend on the batch, and
// every op works on each image alone along that dimension, with the same arithmetic whatever
// the batch (the reference ops loop per element; the f32 conv kernel loops images outermost and
// tiles by output pixels and channels, never by n).

import type { Graph, Node } from '../ir/graph.js';
import { toInts, type Tensor } from '../ir/tensor.js';

/** Ops that never mix images when every activation leads with the batch (attributes aside). */
const PER_IMAGE = new Set([
  'Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'BatchNormalization', 'Flatten', 'Reshape', 'Identity', 'Dropout',
  'Add', 'Mul', 'Relu', 'Clip', 'Abs', 'Elu', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Neg', 'Selu', 'Sigmoid', 'Softplus', 'Tanh',
]);

function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a === b) return true;
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Whether node n (in g) keeps images apart along axis 0: the attribute conditions of the other ops. */
function nodeSplits(g: Graph, n: Node): boolean {
  if (PER_IMAGE.has(n.op)) return true;
  const rank = g.values.get(n.inputs[0]!)?.shape.length ?? 0, a = n.attrs as Record<string, unknown>;
  const konst = (k: number) => (n.inputs[k] ? g.constants.get(n.inputs[k]!) : undefined);
  const axis0 = (v: unknown) => typeof v === 'number' && (v < 0 ? v + rank : v) === 0;
  switch (n.op) {
    case 'Gemm': return a.transA === false && !!konst(1) && (!n.inputs[2] || !!konst(2));
    case 'MatMul': return !!konst(1);
    case 'Softmax': case 'Concat': case 'Gather': return typeof a.axis === 'number' && !axis0(a.axis);
    case 'Transpose': return Array.isArray(a.perm) && a.perm[0] === 0;
    case 'Slice': { // axis 0 only with step 1 (the leading-dimension check then makes it the identity)
      const old = Array.isArray(a.starts), starts = old ? (a.starts as number[]) : konst(1) && toInts(konst(1)!);
      if (!starts) return false;
      const axes = (old ? (a.axes as number[] | undefined) : konst(3) && toInts(konst(3)!)) || [...starts.keys()];
      const steps = old ? undefined : konst(4) && toInts(konst(4)!);
      return axes.every((v, i) => !axis0(v) || !steps || steps[i] === 1);
    }
    case 'Pad': { // no pads on axis 0 (begin and end could cancel and shift images)
      const p = Array.isArray(a.pads) ? (a.pads as number[]) : konst(1) ? toInts(konst(1)!) : undefined;
      if (!p) return false;
      const axes = konst(3) ? toInts(konst(3)!) : [...Array(rank).keys()];
      const k = axes.findIndex(axis0);
      return k < 0 || (p[k] === 0 && p[k + axes.length] === 0);
    }
    default: return false;
  }
}

/**
 * Why `part` (the same model imported at a smaller batch) cannot stand in for `full` on chunks
 * of its images, or undefined when it can.
 */
export function batchSplitProblem(full: Graph, part: Graph): string | undefined {
  if (full.inputs.length !== 1 || part.inputs.length !== 1) return 'the graph has more than one input';
  if (full.nodes.length !== part.nodes.length) return 'the graphs have different nodes';
  for (let i = 0; i < full.nodes.length; i++) {
    const a = full.nodes[i]!, b = part.nodes[i]!;
    if (a.name !== b.name || a.op !== b.op || a.inputs.join('\0') !== b.inputs.join('\0') || a.outputs.join('\0') !== b.outputs.join('\0')
      || JSON.stringify(a.attrs) !== JSON.stringify(b.attrs)) return `node ${i} ('${a.name}') differs between batch sizes`;
  }
  if (full.constants.size !== part.constants.size) return 'the constants differ between batch sizes';
  for (const [k, t] of full.constants) {
    const u = part.constants.get(k);
    if (!u || !sameTensor(t, u)) return `constant '${k}' depends on the batch size`;
  }
  for (const [k, v] of full.values) {
    if (full.constants.has(k)) continue;
    const u = part.values.get(k);
    if (!u || u.dtype !== v.dtype || v.shape[0] !== full.batch || u.shape[0] !== part.batch || u.shape.length !== v.shape.length
      || v.shape.some((d, i) => i > 0 && d !== u.shape[i])) return `value '${k}' does not lead with the batch`;
  }
  for (const n of full.nodes) if (!nodeSplits(full, n)) return `node '${n.name}' (${n.op}) may mix images`;
  return undefined;
}
