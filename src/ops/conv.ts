// ONNX Conv (2-D, NCHW): Y[n,m,y,x] = B[m] + sum_{c in group(m), i, j}
//   X[n, c, y*sh - pt + i*dh, x*sw - pl + j*dw] * W[m, c - g*C/G, i, j], zero outside X.
// Attributes: kernel_shape, strides, pads, dilations, group, auto_pad.
// See: onnx/docs/Operators.md#Conv

import type { ValueInfo } from '../ir/graph.js';
import { f32, type Tensor } from '../ir/tensor.js';
import { expectFloat, expectRank, fail, need, type OpDef } from './op.js';
import { parseWindow, resolveWindow, type ResolvedWindow, type Window2d } from './window.js';

export interface ConvAttrs {
  window: Window2d;
  group: number;
  /** kernel_shape is optional in ONNX: taken from W when absent. */
  kernelFromWeight: boolean;
}

export interface ConvGeometry extends ResolvedWindow {
  n: number; c: number; h: number; w: number; m: number; group: number;
}

export function convGeometry(x: ValueInfo, w: ValueInfo, attrs: ConvAttrs): ConvGeometry {
  expectRank(x, 4, 'Conv input X (only 2-D convolution is supported)');
  expectRank(w, 4, 'Conv weight W');
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [m, cg, kh, kw] = w.shape as [number, number, number, number];
  const g = attrs.group;
  if (c % g !== 0 || m % g !== 0) fail(`group ${g} must divide input channels ${c} and output channels ${m}`);
  if (cg !== c / g) fail(`weight has ${cg} input channels per group, input has ${c} channels / group ${g}`);
  const win = attrs.kernelFromWeight ? { ...attrs.window, kh, kw } : attrs.window;
  if (win.kh !== kh || win.kw !== kw) fail(`kernel_shape ${win.kh}x${win.kw} does not match weight ${kh}x${kw}`);
  return { ...resolveWindow(win, h, wd), n, c, h, w: wd, m, group: g };
}

export const Conv: OpDef<ConvAttrs> = {
  type: 'Conv',
  arity: [2, 3],
  paramInputs: [1, 2],
  parse(a) {
    const k = a.ints('kernel_shape');
    return { window: parseWindow(a, k ?? [1, 1], true, false), group: a.int('group', 1), kernelFromWeight: k === undefined };
  },
  infer([x, w, b], _c, attrs) {
    const X = need(x, 'input X'), W = need(w, 'weight W');
    expectFloat(X, 'X'); expectFloat(W, 'W');
    if (attrs.group < 1) fail(`group must be >= 1, got ${attrs.group}`);
    const g = convGeometry(X, W, attrs);
    if (b && (b.shape.length !== 1 || b.shape[0] !== g.m)) fail(`bias must have shape [${g.m}], got [${b.shape.join(',')}]`);
    return [{ dtype: 'float32', shape: [g.n, g.m, g.oh, g.ow] }];
  },
  run([x, w, b], attrs) {
    const X = need(x, 'X'), W = need(w, 'W');
    const g = convGeometry(X, W, attrs);
    return [f32([g.n, g.m, g.oh, g.ow], conv2dReference(X.data as Float32Array, W.data as Float32Array, (b?.data as Float32Array) ?? null, g))];
  },
  macs([, w], [y]) {
    const [, cg, kh, kw] = w!.shape as number[];
    return y!.shape.reduce((p, d) => p * d, 1) * cg! * kh! * kw!;
  },
};

/** Plain-loop float convolution: the oracle for the wasm kernels. Accumulates in float64. */
export function conv2dReference(x: Float32Array, w: Float32Array, b: Float32Array | null, g: ConvGeometry): Float32Array {
  const { n, c, h, w: wd, m, group, kh, kw, strideH, strideW, dilationH, dilationW, oh, ow } = g;
  const [pt, pl] = g.pads;
  const cg = c / group, mg = m / group;
  const y = new Float32Array(n * m * oh * ow);
  for (let in_ = 0; in_ < n; in_++) {
    for (let om = 0; om < m; om++) {
      const gi = Math.floor(om / mg);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let acc = b ? b[om]! : 0;
          for (let ic = 0; ic < cg; ic++) {
            const xc = ((in_ * c + gi * cg + ic) * h) * wd;
            const wc = ((om * cg + ic) * kh) * kw;
            for (let i = 0; i < kh; i++) {
              const iy = oy * strideH - pt + i * dilationH;
              if (iy < 0 || iy >= h) continue;
              for (let j = 0; j < kw; j++) {
                const ix = ox * strideW - pl + j * dilationW;
                if (ix < 0 || ix >= wd) continue;
                acc += x[xc + iy * wd + ix]! * w[wc + i * kw + j]!;
              }
            }
          }
          y[((in_ * m + om) * oh + oy) * ow + ox] = acc;
        }
      }
    }
  }
  return y;
}
