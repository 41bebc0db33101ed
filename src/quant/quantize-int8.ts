// Level one: float Graph (BatchNorm folded) + calibrated ranges -> QGraph.
//   - int8 weights, symmetric, per output channel (per tensor as an option), zp 0;
//   - int8 activations, asymmetric per tensor, from the calibrated ranges;
//   - int32 biases with scale s_x * s_w[m];
//   - requantization as fixed-point (mult, shift) per output channel (src/quant/requant.ts);
//   - Relu/Clip after Conv, Gemm and Add are fused as output clamps;
//   - Slice / Pad / Flatten / Reshape / Identity / MaxPool keep their input's scale and zero point;
//   - the residual Add requantizes both inputs to the output's scale.
// An op with no integer kernel is an error naming the op and the node.

import { LIMITS, withinLimit } from '../core/limits.js';
import type { Graph, Node } from '../ir/graph.js';
import { consumers } from '../ir/graph.js';
import type { Conv2dGeometry, QGraph, QNode, QParams, QValue } from '../ir/qgraph.js';
import { toInts, type Tensor } from '../ir/tensor.js';
import { clipBounds, type ClipAttrs } from '../ops/clip.js';
import { convGeometry, type ConvAttrs } from '../ops/conv.js';
import type { GemmAttrs } from '../ops/gemm.js';
import type { PadAttrs } from '../ops/pad.js';
import type { PoolAttrs } from '../ops/pool.js';
import { resolveWindow } from '../ops/window.js';
import { activationParams, quantizeValue, quantizeWeights, type Range } from './qparams.js';
import { QuantizationError } from '../core/errors.js';
import { quantizeMultiplier } from '../core/fixed-point.js';
import { roundHalfEven } from '../core/rounding.js';

export type RangeTable = ReadonlyMap<string, Range>;

export interface QuantizeInt8Options {
  /** One weight scale per tensor instead of per output channel. */
  perTensor?: boolean;
}

const NCHW_TO_NHWC_AXIS = [-1, 2, 0, 1]; // batch has no per-image axis

/** Throws naming the first node whose constant inputs hold NaN or Inf (before any calibration). */
export function checkFiniteConstants(g: Graph): void {
  for (const n of g.nodes)
    for (const i of n.inputs) {
      const t = i ? g.constants.get(i) : undefined;
      if (!t || t.dtype !== 'float32') continue;
      const k = (t.data as Float32Array).findIndex((v) => !Number.isFinite(v));
      if (k >= 0) throw new QuantizationError(`node '${n.name}' (${n.op}): constant '${i}' element ${k} is ${t.data[k]} (NaN or Inf weights cannot be quantized)`);
    }
}

export function quantizeInt8(g: Graph, ranges: RangeTable, opts: QuantizeInt8Options = {}): QGraph {
  if (g.inputs.length !== 1) throw new QuantizationError(`the integer path supports one graph input, the model has ${g.inputs.length}`);
  const readers = consumers(g);
  const values = new Map<string, QValue>();
  const nodes: QNode[] = [];
  /** float value name -> quantized value name (fused activations map the pre-activation value away) */
  const alias = new Map<string, string>();
  const fusedAway = new Set<Node>();

  const perImage = (name: string): number[] => {
    const s = g.values.get(name)!.shape.slice(1);
    return s.length === 3 ? [s[1]!, s[2]!, s[0]!] : s; // CHW -> HWC
  };
  const rangeOf = (name: string): Range => {
    const r = ranges.get(name);
    if (!r) throw new QuantizationError(`no calibration range for value '${name}'`);
    return r;
  };
  const define = (name: string, q: QParams, shape = perImage(name)) => {
    values.set(name, { name, shape, q });
    return values.get(name)!;
  };
  const qv = (floatName: string): QValue => {
    const v = values.get(alias.get(floatName) ?? floatName);
    if (!v) {
      if (g.constants.has(floatName)) throw new QuantizationError(`constant '${floatName}' used as an activation has no integer kernel`);
      throw new QuantizationError(`value '${floatName}' is not quantized`);
    }
    return v;
  };
  const fail = (n: Node, msg: string): never => {
    throw new QuantizationError(`node '${n.name}' (${n.op}): ${msg}`);
  };

  /** A Relu/Clip that is the only reader of `out`: fused as a clamp. */
  const fusedActivation = (out: string): { node: Node; lo: number; hi: number } | undefined => {
    const rs = readers.get(out) ?? [];
    if (rs.length !== 1 || g.outputs.some((o) => o.name === out)) return undefined;
    const r = rs[0]!;
    if (r.op === 'Relu') return { node: r, lo: 0, hi: Infinity };
    if (r.op === 'Clip') {
      const [lo, hi] = clipBounds(r.attrs as ClipAttrs, r.inputs[1] ? g.constants.get(r.inputs[1]) : undefined, r.inputs[2] ? g.constants.get(r.inputs[2]) : undefined);
      return { node: r, lo, hi };
    }
    return undefined;
  };

  /** Output value (after a fused activation), its params and clamp bounds. */
  const outputOf = (n: Node) => {
    const act = fusedActivation(n.outputs[0]!);
    const name = act ? act.node.outputs[0]! : n.outputs[0]!;
    const r = rangeOf(name);
    const q = activationParams(act ? { min: Math.max(r.min, act.lo), max: Math.min(r.max, act.hi) } : r, `value '${name}'`);
    const qmin = act && act.lo > -Infinity ? Math.max(-128, quantizeValue(act.lo, q)) : -128;
    const qmax = act && act.hi < Infinity ? Math.min(127, quantizeValue(act.hi, q)) : 127;
    if (act) {
      fusedAway.add(act.node);
      alias.set(n.outputs[0]!, name);
    }
    return { name, q, qmin, qmax };
  };

  const inp = g.inputs[0]!;
  if (inp.shape.length !== 4 && inp.shape.length !== 2) throw new QuantizationError(`input '${inp.name}' must be NCHW or [N, K], got rank ${inp.shape.length}`);
  const inQ = define(inp.name, activationParams(rangeOf(inp.name), `input '${inp.name}'`));

  for (const n of g.nodes) {
    if (fusedAway.has(n)) continue;
    switch (n.op) {
      case 'Conv': {
        const x = qv(n.inputs[0]!);
        const w = g.constants.get(n.inputs[1]!) ?? fail(n, 'weights must be constant');
        const b = n.inputs[2] ? g.constants.get(n.inputs[2]) ?? fail(n, 'bias must be constant') : undefined;
        const geo = convGeometry(g.values.get(n.inputs[0]!)!, w, n.attrs as ConvAttrs);
        const { c, h, w: wd, m, kh, kw, strideH, strideW, dilationH, dilationW, group, oh, ow } = geo;
        const geometry: Conv2dGeometry = { c, h, w: wd, m, kh, kw, strideH, strideW, dilationH, dilationW, group, oh, ow,
          padTop: geo.pads[0], padLeft: geo.pads[1], padBottom: geo.pads[2], padRight: geo.pads[3] };
        const wq = quantizeWeights(toOhwi(w), m, !!opts.perTensor, `node '${n.name}'`);
        const out = outputOf(n);
        define(out.name, out.q);
        nodes.push({ op: 'conv', name: n.name, inputs: [x.name], outputs: [out.name], geometry, weights: wq.q, weightScale: wq.scale,
          bias: quantizeBias(b?.data as Float32Array | undefined, m, x.q.scale, wq.scale, n), requant: channelRequant(x.q.scale, wq.scale, out.q.scale, n),
          qmin: out.qmin, qmax: out.qmax });
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const x = qv(n.inputs[0]!);
        if (x.shape.length !== 1) fail(n, `input must be [N, K] (flattened), got per-image shape [${x.shape}]`);
        const a = n.op === 'Gemm' ? (n.attrs as GemmAttrs) : GEMM_DEFAULTS;
        if (a.transA) fail(n, 'transA=1 has no integer kernel');
        const B = g.constants.get(n.inputs[1]!) ?? fail(n, 'the weight matrix must be constant');
        if (B.shape.length !== 2) fail(n, 'the weight matrix must be 2-D');
        const k = x.shape[0]!, m = a.transB ? B.shape[0]! : B.shape[1]!;
        const wf = gemmWeights(B, a);
        const C = n.inputs[2] ? g.constants.get(n.inputs[2]) ?? fail(n, 'C must be constant') : undefined;
        let bias: Float32Array | undefined;
        if (C) {
          if (C.data.length !== m && C.data.length !== 1) fail(n, `C must have ${m} values (per output) or 1`);
          bias = Float32Array.from({ length: m }, (_, o) => a.beta * (C.data as Float32Array)[C.data.length === 1 ? 0 : o]!);
        }
        const wq = quantizeWeights(wf, m, !!opts.perTensor, `node '${n.name}'`);
        const out = outputOf(n);
        define(out.name, out.q, [m]);
        nodes.push({ op: 'gemm', name: n.name, inputs: [x.name], outputs: [out.name], k, m, weights: wq.q, weightScale: wq.scale,
          bias: quantizeBias(bias, m, x.q.scale, wq.scale, n), requant: channelRequant(x.q.scale, wq.scale, out.q.scale, n), qmin: out.qmin, qmax: out.qmax });
        break;
      }
      case 'Add': {
        if (n.inputs.some((i) => g.constants.has(i))) fail(n, 'adding a constant has no integer kernel');
        const a = qv(n.inputs[0]!), b = qv(n.inputs[1]!);
        if (a.shape.join() !== b.shape.join()) fail(n, `broadcasting add [${a.shape}] + [${b.shape}] has no integer kernel`);
        const out = outputOf(n);
        define(out.name, out.q);
        const ra = a.q.scale / out.q.scale, rb = b.q.scale / out.q.scale;
        let shift = Math.min(LIMITS.addShift.hi, 21 - Math.floor(Math.log2(Math.max(ra, rb))));
        const mults = (s: number) => [roundHalfEven(ra * 2 ** s), roundHalfEven(rb * 2 ** s)] as const;
        let [aMult, bMult] = mults(shift);
        if (!withinLimit('addMult', aMult) || !withinLimit('addMult', bMult)) [aMult, bMult] = mults(--shift); // rounded up to 2^22
        if (!withinLimit('addShift', shift)) fail(n, `input/output scale ratio ${Math.max(ra, rb)} is too large`);
        nodes.push({ op: 'add', name: n.name, inputs: [a.name, b.name], outputs: [out.name], size: a.shape.reduce((p, d) => p * d, 1),
          aMult, bMult, shift, qmin: out.qmin, qmax: out.qmax });
        break;
      }
      case 'GlobalAveragePool': {
        const x = qv(n.inputs[0]!);
        const [h, w, c] = x.shape as [number, number, number];
        const y = define(n.outputs[0]!, activationParams(rangeOf(n.outputs[0]!), `value '${n.outputs[0]}'`));
        nodes.push({ op: 'gavgpool', name: n.name, inputs: [x.name], outputs: [y.name], h, w, c,
          requant: quantizeMultiplier(x.q.scale / (y.q.scale * h * w), `node '${n.name}' requantization`) });
        break;
      }
      case 'MaxPool': {
        const x = qv(n.inputs[0]!);
        const [h, w, c] = x.shape as [number, number, number];
        const r = resolveWindow((n.attrs as PoolAttrs).window, h, w);
        define(n.outputs[0]!, x.q);
        nodes.push({ op: 'maxpool', name: n.name, inputs: [x.name], outputs: [n.outputs[0]!], geometry: { c, h, w, kh: r.kh, kw: r.kw,
          strideH: r.strideH, strideW: r.strideW, dilationH: r.dilationH, dilationW: r.dilationW, padTop: r.pads[0], padLeft: r.pads[1],
          padBottom: r.pads[2], padRight: r.pads[3], oh: r.oh, ow: r.ow } });
        break;
      }
      case 'Slice':
      case 'Pad': {
        const x = qv(n.inputs[0]!);
        const fin = g.values.get(n.inputs[0]!)!.shape, fout = g.values.get(n.outputs[0]!)!.shape;
        if (fin.length !== 4) fail(n, 'only 4-D (NCHW) slices and pads have an integer kernel');
        const outShape = perImage(n.outputs[0]!);
        const start = [0, 0, 0], step = [1, 1, 1], lo = [0, 0, 0], hi = [...outShape];
        let fill = x.q.zeroPoint;
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
          const value = n.inputs[2] && g.constants.get(n.inputs[2]) ? Number(g.constants.get(n.inputs[2])!.data[0]) : (n.attrs as PadAttrs).value;
          fill = quantizeValue(value, x.q);
        }
        define(n.outputs[0]!, x.q, outShape);
        nodes.push({ op: 'strided-copy', name: n.name, inputs: [x.name], outputs: [n.outputs[0]!], inShape: x.shape, outShape, start, step, lo, hi, fill });
        break;
      }
      case 'Flatten':
      case 'Reshape':
      case 'Identity': {
        const x = qv(n.inputs[0]!);
        const fout = g.values.get(n.outputs[0]!)!.shape;
        let src = x.name;
        if (x.shape.length === 3 && x.shape[0]! * x.shape[1]! > 1 && n.op !== 'Identity') {
          const [h, w, c] = x.shape as [number, number, number];
          src = `${x.name}__nchw`;
          define(src, x.q, [c * h * w]);
          nodes.push({ op: 'to-nchw', name: `${n.name}/to-nchw`, inputs: [x.name], outputs: [src], h, w, c });
        }
        if (fout.length === 4 && n.op !== 'Identity') fail(n, '4-D reshapes have no integer kernel');
        define(n.outputs[0]!, x.q, n.op === 'Identity' ? x.shape : fout.slice(1));
        nodes.push({ op: 'reshape', name: n.name, inputs: [src], outputs: [n.outputs[0]!] });
        break;
      }
      case 'Relu':
      case 'Clip':
        fail(n, `a ${n.op} that does not directly follow a Conv, Gemm or Add has no integer kernel`);
        break;
      default:
        fail(n, 'this op has no integer kernel');
    }
  }

  const outputs = g.outputs.map((o) => {
    const v = qv(o.name);
    return { name: o.name, shape: o.shape.slice(1), quantized: v.name };
  });
  return { name: g.name, input: { name: inp.name, shape: inp.shape.slice(1), q: inQ.q, quantized: inQ.name }, outputs, values, nodes };
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

const GEMM_DEFAULTS: GemmAttrs = { alpha: 1, beta: 1, transA: false, transB: false };

/** The float weights of each weight layer of a QGraph, in the QNode's order (for scale re-fit). */
export function layerFloatWeights(g: Graph, q: QGraph): Map<string, Float32Array> {
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const out = new Map<string, Float32Array>();
  for (const n of q.nodes) {
    if (n.op !== 'conv' && n.op !== 'gemm') continue;
    const f = byName.get(n.name);
    const w = f && g.constants.get(f.inputs[1]!);
    if (!f || !w) throw new QuantizationError(`layer '${n.name}' is not in the float graph`);
    out.set(n.name, n.op === 'conv' ? toOhwi(w) : gemmWeights(w, f.op === 'Gemm' ? (f.attrs as GemmAttrs) : GEMM_DEFAULTS));
  }
  return out;
}

function quantizeBias(b: Float32Array | undefined, m: number, sx: number, sw: Float32Array, n: Node): Int32Array {
  const out = new Int32Array(m);
  if (!b) return out;
  for (let o = 0; o < m; o++) {
    if (!Number.isFinite(b[o]!)) throw new QuantizationError(`node '${n.name}' (${n.op}): bias ${o} is ${b[o]} (NaN or Inf)`);
    const q = roundHalfEven(b[o]! / (sx * sw[o]!));
    if (Math.abs(q) > 2 ** 30) throw new QuantizationError(`node '${n.name}' (${n.op}): bias ${o} overflows int32 at scale ${sx * sw[o]!}`);
    out[o] = q;
  }
  return out;
}

/** Per-channel (mult, shift) for the real multipliers s_x * s_w[m] / s_y. */
export function channelRequant(sx: number, sw: Float32Array, sy: number, n: { name: string }) {
  const mult = new Int32Array(sw.length), shift = new Int32Array(sw.length);
  sw.forEach((s, o) => {
    const fp = quantizeMultiplier((sx * s) / sy, `node '${n.name}' channel ${o} requantization`);
    mult[o] = fp.mult;
    shift[o] = fp.shift;
  });
  return { mult, shift };
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

