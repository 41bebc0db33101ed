// Layout lowering, the first stage of the integer path: float Graph (NCHW, ONNX ops, BatchNorm
// folded) -> LoweredGraph (src/ir/lowered.ts): the integer kernels' ops in NHWC order per
// image, float weights in the kernels' order. Nothing is quantized here.
//   - Conv -> conv (weights OIHW -> OHWI); Gemm / MatMul -> gemm ([m][k], alpha and beta applied);
//   - Add -> add; GlobalAveragePool -> gavgpool; MaxPool -> maxpool;
//   - Slice / Pad (4-D, batch axis untouched) -> strided-copy with NCHW axes mapped to HWC;
//   - Flatten / Reshape of a map with h*w > 1 -> to-nchw + reshape (the float model flattens
//     NCHW); Identity -> reshape;
//   - Relu / Clip -> clamp, for fuseActivations to fold into the op before it;
//   - every other op (AveragePool, activations, Concat, Mul, Softmax, ...): src/passes/lower-ops.ts.
// An op with no integer kernel is an error naming the op and the node.

import { QuantizationError } from '../core/errors.js';
import type { Graph, Node } from '../ir/graph.js';
import type { LNode, LoweredGraph } from '../ir/lowered.js';
import type { Conv2dGeometry } from '../ir/qgraph.js';
import { toInts, type Tensor } from '../ir/tensor.js';
import { clipBounds, type ClipAttrs } from '../ops/clip.js';
import { convGeometry, type ConvAttrs } from '../ops/conv.js';
import type { GemmAttrs } from '../ops/gemm.js';
import type { PadAttrs } from '../ops/pad.js';
import type { PoolAttrs } from '../ops/pool.js';
import { resolveWindow } from '../ops/window.js';
import { lowerExtra, poolGeometry } from './lower-ops.js';

const NCHW_TO_NHWC_AXIS = [-1, 2, 0, 1]; // batch has no per-image axis

export const GEMM_DEFAULTS: GemmAttrs = { alpha: 1, beta: 1, transA: false, transB: false };

export function lowerToNhwc(g: Graph): LoweredGraph {
  if (g.inputs.length !== 1) throw new QuantizationError(`the integer path supports one graph input, the model has ${g.inputs.length}`);
  const shapes = new Map<string, number[]>();
  const nodes: LNode[] = [];
  const perImage = (name: string): number[] => {
    const s = g.values.get(name)!.shape.slice(1);
    return s.length === 3 ? [s[1]!, s[2]!, s[0]!] : s; // CHW -> HWC
  };
  const define = (name: string, shape = perImage(name)) => shapes.set(name, shape);
  /** Per-image shape of an activation the integer path computes. */
  const act = (name: string): number[] => {
    const s = shapes.get(name);
    if (!s) {
      if (g.constants.has(name)) throw new QuantizationError(`constant '${name}' used as an activation has no integer kernel`);
      throw new QuantizationError(`value '${name}' is not quantized`);
    }
    return s;
  };
  const fail = (n: Node, msg: string): never => {
    throw new QuantizationError(`node '${n.name}' (${n.op}): ${msg}`);
  };

  const inp = g.inputs[0]!;
  if (inp.shape.length !== 4 && inp.shape.length !== 2) throw new QuantizationError(`input '${inp.name}' must be NCHW or [N, K], got rank ${inp.shape.length}`);
  define(inp.name);
  let inputShape = inp.shape.slice(1); // flat when the input is NHWC (src/passes/lower-ops.ts)

  for (const n of g.nodes) {
    const base = { name: n.name, source: n.op, inputs: [n.inputs[0]!], outputs: [n.outputs[0]!] };
    switch (n.op) {
      case 'Conv': {
        act(n.inputs[0]!);
        const w = g.constants.get(n.inputs[1]!) ?? fail(n, 'weights must be constant');
        const b = n.inputs[2] ? g.constants.get(n.inputs[2]) ?? fail(n, 'bias must be constant') : undefined;
        const geo = convGeometry(g.values.get(n.inputs[0]!)!, w, n.attrs as ConvAttrs);
        const { c, h, w: wd, m, kh, kw, strideH, strideW, dilationH, dilationW, group, oh, ow } = geo;
        const geometry: Conv2dGeometry = { c, h, w: wd, m, kh, kw, strideH, strideW, dilationH, dilationW, group, oh, ow,
          padTop: geo.pads[0], padLeft: geo.pads[1], padBottom: geo.pads[2], padRight: geo.pads[3] };
        define(n.outputs[0]!);
        nodes.push({ ...base, op: 'conv', geometry, weights: toOhwi(w), bias: b?.data as Float32Array | undefined });
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const x = act(n.inputs[0]!);
        if (x.length !== 1) fail(n, `input must be [N, K] (flattened), got per-image shape [${x}]`);
        const a = n.op === 'Gemm' ? (n.attrs as GemmAttrs) : GEMM_DEFAULTS;
        if (a.transA) fail(n, 'transA=1 has no integer kernel');
        const B = g.constants.get(n.inputs[1]!) ?? fail(n, 'the weight matrix must be constant');
        if (B.shape.length !== 2) fail(n, 'the weight matrix must be 2-D');
        const k = x[0]!, m = a.transB ? B.shape[0]! : B.shape[1]!;
        const weights = gemmWeights(B, a);
        const C = n.inputs[2] ? g.constants.get(n.inputs[2]) ?? fail(n, 'C must be constant') : undefined;
        let bias: Float32Array | undefined;
        if (C) {
          if (C.data.length !== m && C.data.length !== 1) fail(n, `C must have ${m} values (per output) or 1`);
          bias = Float32Array.from({ length: m }, (_, o) => a.beta * (C.data as Float32Array)[C.data.length === 1 ? 0 : o]!);
        }
        define(n.outputs[0]!, [m]);
        nodes.push({ ...base, op: 'gemm', k, m, weights, bias });
        break;
      }
      case 'Add': {
        if (n.inputs.some((i) => g.constants.has(i))) {
          nodes.push(...lowerExtra(g, n, { act, define, fail, flatInput: () => fail(n, 'not an input transpose') })); // a scalar: a table
          break;
        }
        const a = act(n.inputs[0]!), b = act(n.inputs[1]!);
        if (a.join() !== b.join()) fail(n, `broadcasting add [${a}] + [${b}] has no integer kernel`);
        define(n.outputs[0]!);
        nodes.push({ ...base, inputs: [n.inputs[0]!, n.inputs[1]!], op: 'add', size: a.reduce((p, d) => p * d, 1) });
        break;
      }
      case 'GlobalAveragePool': {
        const [h, w, c] = act(n.inputs[0]!) as [number, number, number];
        define(n.outputs[0]!);
        nodes.push({ ...base, op: 'gavgpool', h, w, c });
        break;
      }
      case 'MaxPool': {
        const [h, w, c] = act(n.inputs[0]!) as [number, number, number];
        const r = resolveWindow((n.attrs as PoolAttrs).window, h, w);
        define(n.outputs[0]!);
        nodes.push({ ...base, op: 'maxpool', geometry: poolGeometry(r, h, w, c) }); // ceil_mode as extra padding
        break;
      }
      case 'Slice':
      case 'Pad':
        nodes.push(stridedCopy(g, n, act(n.inputs[0]!), perImage(n.outputs[0]!), fail));
        define(n.outputs[0]!);
        break;
      case 'Flatten':
      case 'Reshape':
      case 'Identity': {
        const x = act(n.inputs[0]!);
        const fout = g.values.get(n.outputs[0]!)!.shape;
        let src = n.inputs[0]!;
        if (x.length === 3 && x[0]! * x[1]! > 1 && n.op !== 'Identity') {
          const [h, w, c] = x as [number, number, number];
          src = `${src}__nchw`;
          define(src, [c * h * w]);
          nodes.push({ ...base, name: `${n.name}/to-nchw`, outputs: [src], op: 'to-nchw', h, w, c });
        }
        if (fout.length === 4 && n.op !== 'Identity') fail(n, '4-D reshapes have no integer kernel');
        define(n.outputs[0]!, n.op === 'Identity' ? x : fout.slice(1));
        nodes.push({ ...base, inputs: [src], op: 'reshape' });
        break;
      }
      case 'Relu':
        define(n.outputs[0]!);
        nodes.push({ ...base, op: 'clamp', clamp: { lo: 0, hi: Infinity } });
        break;
      case 'Clip': {
        const c = (i: number) => (n.inputs[i] ? g.constants.get(n.inputs[i]!) : undefined);
        const [lo, hi] = clipBounds(n.attrs as ClipAttrs, c(1), c(2));
        define(n.outputs[0]!);
        nodes.push({ ...base, op: 'clamp', clamp: { lo, hi } });
        break;
      }
      default:
        nodes.push(...lowerExtra(g, n, { act, define, fail, flatInput: (s) => { inputShape = s; define(inp.name, s); } }));
    }
  }
  const outputs = g.outputs.map((o) => {
    const s = act(o.name);
    return { name: o.name, shape: s.length === 1 ? s : o.shape.slice(1), value: o.name }; // flat: dequantized in NHWC order
  });
  const floatShape = inputShape.length === inp.shape.length - 1 ? {} : { floatShape: inp.shape.slice(1) }; // NHWC: kept flat
  return { name: g.name, input: { name: inp.name, shape: inputShape, ...floatShape }, outputs, shapes, nodes };
}

/** Slice / constant Pad of an NCHW map as a strided copy over HWC (the batch axis untouched). */
function stridedCopy(g: Graph, n: Node, inShape: number[], outShape: number[], fail: (n: Node, msg: string) => never): LNode {
  const fin = g.values.get(n.inputs[0]!)!.shape, fout = g.values.get(n.outputs[0]!)!.shape;
  if (fin.length !== 4) fail(n, 'only 4-D (NCHW) slices and pads have an integer kernel');
  const start = [0, 0, 0], step = [1, 1, 1], lo = [0, 0, 0], hi = [...outShape];
  let padValue = 0; // a slice pads nothing; 0 quantizes to the zero point
  if (n.op === 'Slice') {
    const plan = sliceAxes(g, n, fin);
    if (plan[0]!.start !== 0 || plan[0]!.step !== 1 || fout[0] !== fin[0]) fail(n, 'slicing the batch axis has no integer kernel');
    for (let a = 1; a < 4; a++) { const t = NCHW_TO_NHWC_AXIS[a]!; start[t] = plan[a]!.start; step[t] = plan[a]!.step; }
  } else {
    const pads = padAmounts(g, n, fin.length);
    if (pads[0] !== 0 || pads[4] !== 0) fail(n, 'padding the batch axis has no integer kernel');
    for (let a = 1; a < 4; a++) {
      const t = NCHW_TO_NHWC_AXIS[a]!, b0 = pads[a]!;
      start[t] = Math.max(-b0, 0);
      lo[t] = Math.max(b0, 0);
      hi[t] = lo[t]! + fin[a]! - start[t]! + Math.min(0, pads[a + 4]!);
    }
    padValue = n.inputs[2] && g.constants.get(n.inputs[2]) ? Number(g.constants.get(n.inputs[2])!.data[0]) : (n.attrs as PadAttrs).value;
  }
  return { name: n.name, source: n.op, inputs: [n.inputs[0]!], outputs: [n.outputs[0]!], op: 'strided-copy', inShape, outShape, start, step, lo, hi, padValue };
}

/** Conv weights OIHW -> OHWI (the integer kernels' order). */
export function toOhwi(w: Tensor): Float32Array {
  const [m, cg, kh, kw] = w.shape as [number, number, number, number];
  const src = w.data as Float32Array, out = new Float32Array(src.length);
  for (let o = 0; o < m; o++) for (let ic = 0; ic < cg; ic++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++)
    out[((o * kh + i) * kw + j) * cg + ic] = src[((o * cg + ic) * kh + i) * kw + j]!;
  return out;
}

/** Gemm/MatMul weights as [m][k] rows with alpha applied. */
export function gemmWeights(B: Tensor, a: GemmAttrs): Float32Array {
  const bd = B.data as Float32Array;
  const [r, c] = B.shape as [number, number];
  const m = a.transB ? r : c, k = a.transB ? c : r;
  const wf = new Float32Array(m * k);
  for (let o = 0; o < m; o++) for (let p = 0; p < k; p++) wf[o * k + p] = a.alpha * (a.transB ? bd[o * k + p]! : bd[p * m + o]!);
  return wf;
}

/** Per NCHW axis: start and step of a Slice, resolved like the float op does. */
function sliceAxes(g: Graph, n: Node, shape: readonly number[]): { start: number; step: number }[] {
  const c = (i: number): Tensor | undefined => (n.inputs[i] ? g.constants.get(n.inputs[i]!) : undefined);
  const attrs = n.attrs as { starts?: number[]; axes?: number[] };
  const starts = attrs.starts ?? toInts(c(1)!);
  const axes = (attrs.axes ?? (c(3) ? toInts(c(3)!) : starts.map((_, i) => i))).map((a) => (a < 0 ? a + shape.length : a));
  const steps = c(4) ? toInts(c(4)!) : starts.map(() => 1);
  const out = shape.map(() => ({ start: 0, step: 1 }));
  axes.forEach((a, i) => {
    if (steps[i]! < 1) throw new QuantizationError(`node '${n.name}' (Slice): negative steps have no integer kernel`);
    const d = shape[a]!;
    let s = starts[i]!;
    if (s < 0) s += d;
    out[a] = { start: Math.min(Math.max(s, 0), d), step: steps[i]! };
  });
  return out;
}

function padAmounts(g: Graph, n: Node, rank: number): number[] {
  const attrs = n.attrs as PadAttrs;
  if (attrs.pads) return attrs.pads;
  const p = toInts(g.constants.get(n.inputs[1]!)!);
  if (n.inputs[3]) {
    const axes = toInts(g.constants.get(n.inputs[3])!).map((a) => (a < 0 ? a + rank : a));
    const full = new Array<number>(2 * rank).fill(0);
    axes.forEach((a, i) => { full[a] = p[i]!; full[a + rank] = p[i + axes.length]!; });
    return full;
  }
  return p;
}
