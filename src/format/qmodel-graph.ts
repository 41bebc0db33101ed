// The GRAPH section of a .dq file (spec atop qmodel.ts): JSON checked field by field against
// the node it describes, array references resolved into the TENSORS section, PoT codes decoded.

import { checkFixedPoint } from '../core/fixed-point.js';
import { LIMITS, limitMessage, overflowingChannel, type LimitName } from '../core/limits.js';
import { codeBits, decodePot, isPotCode, isPotRounding, POT_ROUNDINGS, type PotBits, type PotRounding } from '../core/pot-codec.js';
import type { ChannelRequant, Conv2dGeometry, PotWeights, QConv, QGemm, QGraph, QNode, QParams, QValue, QWeights } from '../ir/qgraph.js';
import { unpackCodes } from './bit-pack.js';
import { readExtraNode, type ReadHelpers } from './qmodel-ops.js';

type ArrayKind = 'u8' | 'i8' | 'i32' | 'f32';
const ITEM: Record<ArrayKind, number> = { u8: 1, i8: 1, i32: 4, f32: 4 };

export class GraphReader {
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
  /** An integer inside a limit of src/core/limits.ts (the same numbers as every other stage). */
  private lim(name: LimitName, v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < LIMITS[name].lo || v > LIMITS[name].hi) this.fail(limitMessage(name, Number(v), what));
    return v as number;
  }
  /** A layer whose int32 accumulator can overflow for some input is refused (kernels and reference would differ). */
  private accumulates<T extends { weights: QWeights; bias: Int32Array }>(n: T, k: number, what: string): T {
    const ch = overflowingChannel(n.weights, n.bias, k);
    if (ch >= 0) this.fail(`${what}: channel ${ch} can overflow the int32 accumulator (|bias| + 255 * sum |w| > 2^31 - 1)`);
    return n;
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
    for (let i = 0; i < count; i++) checkFixedPoint(mult[i]!, shift[i]!, `${what}[${i}]`, this.fail);
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
    const rule = p.rule;
    if (!isPotRounding(rule) && rule !== 'gptq') this.fail(`${what} pot.rule must be ${POT_ROUNDINGS.join(', ')} or gptq`);
    const bits = this.int(p.bits, `${what} pot.bits`, 4, 5) as PotBits;
    if (rule !== 'gptq' && bits !== codeBits(rule as PotRounding)) this.fail(`${what}: rule '${rule}' uses ${codeBits(rule as PotRounding)}-bit codes, not ${bits}`);
    const packed = this.tensor(p.codes, 'u8', Math.ceil((count * bits) / 8), `${what} pot.codes`);
    if ((count * bits) % 8 !== 0 && packed[packed.length - 1]! >> ((count * bits) % 8) !== 0) this.fail(`${what} pot.codes has stray bits after the last code`);
    const codes = unpackCodes(packed, count, bits);
    const weights = new Int16Array(count);
    for (let i = 0; i < count; i++) {
      if (!isPotCode(codes[i]!, bits)) this.fail(`${what} pot code ${i} (${codes[i]}) is not a valid ${bits}-bit code`);
      weights[i] = decodePot(codes[i]!, bits);
    }
    return { weights, pot: { rule: rule as PotRounding | 'gptq', bits } };
  }

  private geometry(v: unknown, what: string, withM: boolean): Conv2dGeometry {
    const g = this.obj(v, what);
    const keys: [string, LimitName][] = [['c', 'channels'], ['h', 'dim'], ['w', 'dim'], ['kh', 'kernel'], ['kw', 'kernel'], ['strideH', 'stride'], ['strideW', 'stride'],
      ['dilationH', 'dilation'], ['dilationW', 'dilation'], ['oh', 'dim'], ['ow', 'dim'], ['padTop', 'pad'], ['padLeft', 'pad'], ['padBottom', 'pad'], ['padRight', 'pad'],
      ...(withM ? ([['m', 'channels'], ['group', 'channels']] as [string, LimitName][]) : [])];
    const out: Record<string, number> = {};
    for (const [k, l] of keys) out[k] = this.lim(l, g[k], `${what}.${k}`);
    const o = out as unknown as Conv2dGeometry;
    const eh = (o.kh - 1) * o.dilationH + 1, ew = (o.kw - 1) * o.dilationW + 1;
    if (Math.floor((o.h + o.padTop + o.padBottom - eh) / o.strideH) + 1 !== o.oh || Math.floor((o.w + o.padLeft + o.padRight - ew) / o.strideW) + 1 !== o.ow)
      this.fail(`${what}: output size does not follow from the input size and window`);
    if (withM && (o.c % o.group !== 0 || o.m % o.group !== 0)) this.fail(`${what}: group must divide c and m`);
    return o;
  }

  private helpers(size: (v: string) => number, q: (v: string) => QParams): ReadHelpers {
    return { fail: this.fail, int: this.int.bind(this), lim: this.lim.bind(this), ints: this.ints.bind(this), size, q,
      i8: (v, n, w) => this.tensor(v, 'i8', n, w), i32: (v, n, w) => this.tensor(v, 'i32', n, w), geometry: (v, w) => this.geometry(v, w, false) };
  }

  graph(raw: unknown): QGraph {
    const r = this.obj(raw, 'graph');
    const values = new Map<string, QValue>();
    for (const [i, v] of this.arr(r.values, 'values', 1 << 16).entries()) {
      const o = this.obj(v, `values[${i}]`);
      const name = this.str(o.name, `values[${i}].name`);
      if (values.has(name)) this.fail(`duplicate value '${name}'`);
      const shape = this.ints(o.shape, `value '${name}' shape`, LIMITS.dim.lo, LIMITS.dim.hi, LIMITS.qRank.hi);
      if (shape.length < LIMITS.qRank.lo) this.fail(`value '${name}' has an invalid shape`);
      this.lim('elementsPerImage', shape.reduce((p, d) => p * d, 1), `elements of value '${name}'`);
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
      ...(inp.floatShape === undefined ? {} : { floatShape: this.ints(inp.floatShape, 'input.floatShape', 1, 1 << 24, 3) }),
    };
    if (input.shape.reduce((p, d) => p * d, 1) !== size(input.quantized)) this.fail('input shape does not match its quantized value');
    if (input.floatShape && input.floatShape.reduce((p, d) => p * d, 1) !== size(input.quantized)) this.fail('input floatShape does not match its quantized value');

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
          return this.accumulates<QConv>({ ...base, op: 'conv', geometry, ...this.layerWeights(o, m * kh * kw * (c / group), what),
            weightScale: this.tensor(o.weightScale, 'f32', m, `${what} weightScale`), bias: this.tensor(o.bias, 'i32', m, `${what} bias`),
            requant: this.requant(o.requant, m, `${what} requant`), qmin: lo, qmax: hi }, kh * kw * (c / group), what);
        }
        case 'gemm': {
          arity(1);
          const k = this.lim('gemmK', o.k, `${what} k`), m = this.lim('channels', o.m, `${what} m`);
          sizes(k, m);
          const lo = qmin(), hi = qmax();
          if (lo > hi) this.fail(`${what}: qmin > qmax`);
          return this.accumulates<QGemm>({ ...base, op: 'gemm', k, m, ...this.layerWeights(o, m * k, what),
            weightScale: this.tensor(o.weightScale, 'f32', m, `${what} weightScale`), bias: this.tensor(o.bias, 'i32', m, `${what} bias`),
            requant: this.requant(o.requant, m, `${what} requant`), qmin: lo, qmax: hi }, k, what);
        }
        case 'add': {
          arity(2);
          const s = this.lim('elementsPerImage', o.size, `${what} size`);
          sizes(s, s);
          if (size(inputs[1]!) !== s) this.fail(`${what}: input sizes differ`);
          return { ...base, op: 'add', size: s, aMult: this.lim('addMult', o.aMult, `${what} aMult`), bMult: this.lim('addMult', o.bMult, `${what} bMult`),
            shift: this.lim('addShift', o.shift, `${what} shift`), qmin: qmin(), qmax: qmax() };
        }
        case 'gavgpool': {
          arity(1);
          const h = this.lim('dim', o.h, `${what} h`), w = this.lim('dim', o.w, `${what} w`), c = this.lim('channels', o.c, `${what} c`);
          this.lim('poolPixels', h * w, `${what} pixels h*w`);
          sizes(h * w * c, c);
          const rq = this.obj(o.requant, `${what} requant`);
          const mult = this.num(rq.mult, `${what} requant.mult`), shift = this.num(rq.shift, `${what} requant.shift`);
          checkFixedPoint(mult, shift, `${what} requant`, this.fail);
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
        default: // issue 12 ops, or an unknown op
          return readExtraNode(o, base, what, this.helpers(size, (v) => val(v, what).q));
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
