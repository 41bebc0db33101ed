// Level one: float Graph (BatchNorm folded) + calibrated ranges -> QGraph, in three stages:
//   lowerToNhwc      the integer kernels' ops and NHWC layout   (src/passes/lower-nhwc.ts)
//   fuseActivations  Relu/Clip after conv, gemm, add as clamps   (src/passes/fuse-activations.ts)
//   quantizeLowered  the quantization proper, below:
//   - int8 weights, symmetric, per output channel (per tensor as an option), zp 0;
//   - int8 activations, asymmetric per tensor, from the calibrated ranges;
//   - int32 biases with scale s_x * s_w[m];
//   - requantization as fixed-point (mult, shift) per output channel (src/core/fixed-point.ts);
//   - a fused activation narrows its op's output range and becomes the output clamp;
//   - strided copies, reshapes and maxpool keep their input's scale and zero point;
//   - the residual Add requantizes both inputs to the output's scale.

import { QuantizationError } from '../core/errors.js';
import { LIMITS, withinLimit } from '../core/limits.js';
import { quantizeMultiplier } from '../core/fixed-point.js';
import { roundHalfEven } from '../core/rounding.js';
import type { Graph } from '../ir/graph.js';
import type { Clamp, LNode, LoweredGraph } from '../ir/lowered.js';
import type { QGraph, QNode, QParams, QValue } from '../ir/qgraph.js';
import type { GemmAttrs } from '../ops/gemm.js';
import { fuseActivations } from '../passes/fuse-activations.js';
import { GEMM_DEFAULTS, gemmWeights, lowerToNhwc, toOhwi } from '../passes/lower-nhwc.js';
import { activationParams, quantizeValue, quantizeWeights, type Range } from './qparams.js';
import { concatSharedRanges, quantizeExtra, type ConcatScale } from './quantize-ops.js';

export type RangeTable = ReadonlyMap<string, Range>;

export interface QuantizeInt8Options {
  /** One weight scale per tensor instead of per output channel. */
  perTensor?: boolean;
  /** Concat inputs: calibrated to the output's shared range (default), or requantized to it by a table. */
  concatScale?: ConcatScale;
}

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
  return quantizeLowered(fuseActivations(lowerToNhwc(g)), ranges, opts);
}

/** The quantization stage: a lowered, fused graph + calibrated ranges (by float value name) -> QGraph. */
export function quantizeLowered(l: LoweredGraph, calibrated: RangeTable, opts: QuantizeInt8Options = {}): QGraph {
  const ranges = concatSharedRanges(l, calibrated, opts.concatScale ?? 'shared');
  const values = new Map<string, QValue>();
  const nodes: QNode[] = [];
  const rangeOf = (name: string): Range => {
    const r = ranges.get(name);
    if (!r) throw new QuantizationError(`no calibration range for value '${name}'`);
    return r;
  };
  const define = (name: string, q: QParams, shape = l.shapes.get(name)!) => {
    values.set(name, { name, shape, q });
    return values.get(name)!;
  };
  const qv = (name: string): QValue => {
    const v = values.get(name);
    if (!v) throw new QuantizationError(`value '${name}' is not quantized`);
    return v;
  };
  const fail = (n: LNode, msg: string): never => {
    throw new QuantizationError(`node '${n.name}' (${n.source}): ${msg}`);
  };
  /** The output value's params and clamp bounds: a fused activation narrows the range. */
  const output = (n: LNode & { clamp?: Clamp }) => {
    const name = n.outputs[0]!, act = n.clamp;
    const r = rangeOf(name);
    const q = define(name, activationParams(act ? { min: Math.max(r.min, act.lo), max: Math.min(r.max, act.hi) } : r, `value '${name}'`)).q;
    const qmin = act && act.lo > -Infinity ? Math.max(-128, quantizeValue(act.lo, q)) : -128;
    const qmax = act && act.hi < Infinity ? Math.min(127, quantizeValue(act.hi, q)) : 127;
    return { name, q, qmin, qmax };
  };

  const inQ = define(l.input.name, activationParams(rangeOf(l.input.name), `input '${l.input.name}'`));
  for (const n of l.nodes) {
    const { name, inputs } = n;
    switch (n.op) {
      case 'conv':
      case 'gemm': {
        const x = qv(inputs[0]!);
        const m = n.op === 'conv' ? n.geometry.m : n.m;
        const wq = quantizeWeights(n.weights, m, !!opts.perTensor, `node '${name}'`);
        const out = output(n);
        const common = { name, inputs: [x.name], outputs: [out.name], weights: wq.q, weightScale: wq.scale,
          bias: quantizeBias(n.bias, m, x.q.scale, wq.scale, n), requant: channelRequant(x.q.scale, wq.scale, out.q.scale, n), qmin: out.qmin, qmax: out.qmax };
        nodes.push(n.op === 'conv' ? { op: 'conv', geometry: n.geometry, ...common } : { op: 'gemm', k: n.k, m, ...common });
        break;
      }
      case 'add': {
        const a = qv(inputs[0]!), b = qv(inputs[1]!);
        const out = output(n);
        const ra = a.q.scale / out.q.scale, rb = b.q.scale / out.q.scale;
        let shift = Math.min(LIMITS.addShift.hi, 21 - Math.floor(Math.log2(Math.max(ra, rb))));
        const mults = (s: number) => [roundHalfEven(ra * 2 ** s), roundHalfEven(rb * 2 ** s)] as const;
        let [aMult, bMult] = mults(shift);
        if (!withinLimit('addMult', aMult) || !withinLimit('addMult', bMult)) [aMult, bMult] = mults(--shift); // rounded up to 2^22
        if (!withinLimit('addShift', shift)) fail(n, `input/output scale ratio ${Math.max(ra, rb)} is too large`);
        nodes.push({ op: 'add', name, inputs: [a.name, b.name], outputs: [out.name], size: n.size,
          aMult, bMult, shift, qmin: out.qmin, qmax: out.qmax });
        break;
      }
      case 'gavgpool': {
        const x = qv(inputs[0]!);
        const y = define(n.outputs[0]!, activationParams(rangeOf(n.outputs[0]!), `value '${n.outputs[0]}'`));
        nodes.push({ op: 'gavgpool', name, inputs: [x.name], outputs: [y.name], h: n.h, w: n.w, c: n.c,
          requant: quantizeMultiplier(x.q.scale / (y.q.scale * n.h * n.w), `node '${name}' requantization`) });
        break;
      }
      case 'maxpool':
        define(n.outputs[0]!, qv(inputs[0]!).q);
        nodes.push({ op: 'maxpool', name, inputs, outputs: n.outputs, geometry: n.geometry });
        break;
      case 'strided-copy': {
        const x = qv(inputs[0]!);
        define(n.outputs[0]!, x.q);
        const { inShape, outShape, start, step, lo, hi } = n;
        nodes.push({ op: 'strided-copy', name, inputs, outputs: n.outputs, inShape, outShape, start, step, lo, hi, fill: quantizeValue(n.padValue, x.q) });
        break;
      }
      case 'to-nchw':
        define(n.outputs[0]!, qv(inputs[0]!).q);
        nodes.push({ op: 'to-nchw', name, inputs, outputs: n.outputs, h: n.h, w: n.w, c: n.c });
        break;
      case 'reshape':
        define(n.outputs[0]!, qv(inputs[0]!).q);
        nodes.push({ op: 'reshape', name, inputs, outputs: n.outputs });
        break;
      default: // issue 12 ops, and a Relu / Clip fusion left alone (a table)
        nodes.push(...quantizeExtra(n, { qv, rangeOf, define }));
    }
  }
  const outputs = l.outputs.map((o) => ({ name: o.name, shape: o.shape, quantized: qv(o.value).name }));
  return { name: l.name, input: { name: l.input.name, shape: l.input.shape, ...(l.input.floatShape ? { floatShape: l.input.floatShape } : {}), q: inQ.q, quantized: inQ.name }, outputs, values, nodes };
}

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

function quantizeBias(b: Float32Array | undefined, m: number, sx: number, sw: Float32Array, n: LNode): Int32Array {
  const out = new Int32Array(m);
  if (!b) return out;
  for (let o = 0; o < m; o++) {
    if (!Number.isFinite(b[o]!)) throw new QuantizationError(`node '${n.name}' (${n.source}): bias ${o} is ${b[o]} (NaN or Inf)`);
    const q = roundHalfEven(b[o]! / (sx * sw[o]!));
    if (Math.abs(q) > 2 ** 30) throw new QuantizationError(`node '${n.name}' (${n.source}): bias ${o} overflows int32 at scale ${sx * sw[o]!}`);
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
