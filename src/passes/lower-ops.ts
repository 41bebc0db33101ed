// Layout lowering of the ops issue 12 added (called by lowerToNhwc for every op it does not
// lower itself):
//   - AveragePool -> avgpool (any window, stride, pads, count_include_pad, ceil_mode);
//   - Sigmoid, HardSigmoid, HardSwish, LeakyRelu, Tanh, Elu (any unary op of src/ops/unary.ts),
//     and Add / Mul of a scalar constant -> lut (the float function, tabulated once quantized);
//   - Concat of activations along a per-image axis -> concat;
//   - Mul of two activations, equal shapes or [c, 1, 1] broadcast over [c, h, w] -> mul;
//   - Softmax over a run that is contiguous in NHWC (the class axis of [N, K], the channels of
//     NCHW, or a whole image) -> softmax;
//   - Dropout -> reshape (inference: identity);
//   - Transpose NHWC -> NCHW of the graph input, or NCHW -> NHWC of a graph output -> reshape:
//     the int8 bytes are NHWC already, the edge value is stored flat ([h*w*c]) so that the host
//     quantizes / dequantizes it in its own order, with no transpose.
// Anything else is an error naming the op and the node.

import type { Graph, Node } from '../ir/graph.js';
import type { LNode } from '../ir/lowered.js';
import type { PoolAttrs } from '../ops/pool.js';
import { softmaxSplit, type SoftmaxAttrs } from '../ops/softmax.js';
import type { TransposeAttrs } from '../ops/transpose.js';
import { isUnary } from '../ops/unary.js';
import { resolveWindow, type ResolvedWindow } from '../ops/window.js';
import type { PoolGeometry } from '../ir/qgraph-ops.js';

const NCHW_TO_NHWC_AXIS = [-1, 2, 0, 1];

export interface LowerContext {
  /** per-image (NHWC) shape of an activation the integer path computes; throws for anything else */
  act(name: string): number[];
  define(name: string, shape?: number[]): void;
  fail(n: Node, msg: string): never;
  /** the graph input is NHWC: store it flat (see above) */
  flatInput(shape: number[]): void;
}

const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * A resolved pooling window as the kernels take it: ceil_mode's extra output row / column
 * becomes extra bottom / right padding (the floor formula then gives the same oh, ow; padding
 * never wins a max, and avgpool does not count it: see ceilExtra).
 */
export function poolGeometry(r: ResolvedWindow, h: number, w: number, c: number): PoolGeometry {
  const extra = (o: number, s: number, k: number, d: number, size: number, p0: number, p1: number) => Math.max(p1, (o - 1) * s + (k - 1) * d + 1 - size - p0);
  return { c, h, w, kh: r.kh, kw: r.kw, strideH: r.strideH, strideW: r.strideW, dilationH: r.dilationH, dilationW: r.dilationW,
    padTop: r.pads[0], padLeft: r.pads[1], padBottom: extra(r.oh, r.strideH, r.kh, r.dilationH, h, r.pads[0], r.pads[2]),
    padRight: extra(r.ow, r.strideW, r.kw, r.dilationW, w, r.pads[1], r.pads[3]), oh: r.oh, ow: r.ow };
}

/** The lowered nodes of `n`, or an error naming it. */
export function lowerExtra(g: Graph, n: Node, cx: LowerContext): LNode[] {
  const base = { name: n.name, source: n.op, inputs: [n.inputs[0]!], outputs: [n.outputs[0]!] };
  const out = n.outputs[0]!;
  if (isUnary(n.attrs)) {
    cx.act(n.inputs[0]!);
    cx.define(out);
    const fn = n.attrs.fn;
    return [{ ...base, op: 'lut', fn: (x) => Math.fround(fn(Math.fround(x))) }];
  }
  switch (n.op) {
    case 'AveragePool': {
      const [h, w, c] = cx.act(n.inputs[0]!) as [number, number, number];
      const a = n.attrs as PoolAttrs;
      const r = resolveWindow(a.window, h, w);
      const geometry = poolGeometry(r, h, w, c);
      cx.define(out);
      return [{ ...base, op: 'avgpool', countIncludePad: a.countIncludePad, geometry, ceilExtra: [geometry.padBottom - r.pads[2], geometry.padRight - r.pads[3]] }];
    }
    case 'Concat': {
      for (const i of n.inputs) if (g.constants.has(i)) cx.fail(n, `concatenating the constant '${i}' has no integer kernel`);
      const rank = g.values.get(out)!.shape.length;
      let axis = (n.attrs as { axis: number }).axis;
      if (axis < 0) axis += rank;
      if (axis === 0) cx.fail(n, 'concatenating along the batch axis has no integer kernel');
      const t = rank === 4 ? NCHW_TO_NHWC_AXIS[axis]! : axis - 1;
      const shapes = n.inputs.map((i) => cx.act(i));
      const outer = prod(shapes[0]!.slice(0, t));
      cx.define(out);
      return [{ ...base, inputs: [...n.inputs], op: 'concat', outer, lens: shapes.map((s) => prod(s.slice(t))) }];
    }
    case 'Add':
    case 'Mul': {
      const k = n.inputs.findIndex((i) => g.constants.has(i));
      if (k >= 0) {
        const c = g.constants.get(n.inputs[k]!)!;
        if (c.data.length !== 1 || g.constants.has(n.inputs[1 - k]!)) {
          cx.fail(n, n.op === 'Add' ? 'adding a constant has no integer kernel (only a scalar)' : `multiplying by the constant '${n.inputs[k]}' of ${c.data.length} values has no integer kernel (only a scalar)`);
        }
        const v = Math.fround(Number(c.data[0]));
        cx.act(n.inputs[1 - k]!);
        cx.define(out);
        const fn = n.op === 'Add' ? (x: number) => Math.fround(Math.fround(x) + v) : (x: number) => Math.fround(Math.fround(x) * v);
        return [{ ...base, inputs: [n.inputs[1 - k]!], op: 'lut', fn }];
      }
      let [a, b] = [n.inputs[0]!, n.inputs[1]!];
      let sa = cx.act(a), sb = cx.act(b);
      if (prod(sa) < prod(sb)) [a, b, sa, sb] = [b, a, sb, sa];
      const c = sa[sa.length - 1]!;
      const broadcast = sa.length === 3 && sb.length === 3 && sb[0] === 1 && sb[1] === 1 && sb[2] === c;
      if (!same(sa, sb) && !broadcast) cx.fail(n, `Mul of [${sa}] by [${sb}] (per image, NHWC) has no integer kernel: only equal shapes, or [1, 1, c] broadcast over [h, w, c]`);
      cx.define(out, sa);
      return [{ ...base, inputs: [a, b], op: 'mul', size: prod(sa), bSize: prod(sb) }];
    }
    case 'Softmax': {
      const x = cx.act(n.inputs[0]!);
      const shape = g.values.get(n.inputs[0]!)!.shape;
      const [outer, k, inner] = softmaxSplit(shape, n.attrs as SoftmaxAttrs);
      cx.define(out);
      if (outer === shape[0] && inner === 1) return [{ ...base, op: 'softmax', rows: 1, k }]; // the whole image: order does not matter
      if (shape.length === 4 && outer === shape[0] && k === shape[1]) return [{ ...base, op: 'softmax', rows: x[0]! * x[1]!, k }];
      return cx.fail(n, `a Softmax over axis ${(n.attrs as SoftmaxAttrs).axis} of [${shape}] has no integer kernel (only over the classes of [N, K], the channels of NCHW, or all of an image)`);
    }
    case 'Dropout':
      cx.define(out, cx.act(n.inputs[0]!));
      return [{ ...base, op: 'reshape' }];
    case 'Transpose': {
      const fin = g.values.get(n.inputs[0]!)!.shape;
      const perm = (n.attrs as TransposeAttrs).perm ?? [];
      const isInput = g.inputs.some((i) => i.name === n.inputs[0]) && g.nodes.every((m) => m === n || !m.inputs.includes(n.inputs[0]!));
      if (fin.length === 4 && isInput && same(perm, [0, 3, 1, 2])) {
        cx.flatInput([prod(fin.slice(1))]);
        cx.define(out);
        return [{ ...base, op: 'reshape' }];
      }
      const isOutput = g.outputs.some((o) => o.name === out);
      if (fin.length === 4 && isOutput && same(perm, [0, 2, 3, 1])) {
        cx.define(out, [prod(cx.act(n.inputs[0]!))]);
        return [{ ...base, op: 'reshape' }];
      }
      return cx.fail(n, `a Transpose (perm [${perm}]) has no integer kernel: only NHWC -> NCHW of the graph input (perm [0,3,1,2]) and NCHW -> NHWC of a graph output (perm [0,2,3,1]) are layout changes the integer path absorbs`);
    }
    default:
      return cx.fail(n, 'this op has no integer kernel');
  }
}
