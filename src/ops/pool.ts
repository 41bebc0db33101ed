// ONNX MaxPool and AveragePool (2-D, NCHW), with pads, strides, dilations (MaxPool),
// ceil_mode, auto_pad and count_include_pad (AveragePool). Padding never wins a max;
// an average divides by the window cells inside the input unless count_include_pad=1.
// See: onnx/docs/Operators.md#MaxPool, #AveragePool

import { f32 } from '../ir/tensor.js';
import { expectFloat, expectRank, fail, need, type OpDef } from './op.js';
import { parseWindow, resolveWindow, type Window2d } from './window.js';

export interface PoolAttrs { window: Window2d; countIncludePad: boolean }

function makePool(type: 'MaxPool' | 'AveragePool'): OpDef<PoolAttrs> {
  const isMax = type === 'MaxPool';
  return {
    type,
    arity: [1, 1],
    outputs: 1,
    parse(a) {
      if (isMax && a.int('storage_order', 0) !== 0) fail('storage_order=1 is not supported');
      const window = parseWindow(a, a.ints('kernel_shape'), isMax, true);
      const countIncludePad = isMax ? false : a.int('count_include_pad', 0) !== 0;
      return { window, countIncludePad };
    },
    infer([x], _c, { window }) {
      const X = need(x, 'X');
      expectFloat(X, 'X');
      expectRank(X, 4, 'X (only 2-D pooling is supported)');
      const r = resolveWindow(window, X.shape[2]!, X.shape[3]!);
      return [{ dtype: 'float32', shape: [X.shape[0]!, X.shape[1]!, r.oh, r.ow] }];
    },
    run([x], { window, countIncludePad }) {
      const X = need(x, 'X');
      const [n, c, h, w] = X.shape as [number, number, number, number];
      const r = resolveWindow(window, h, w);
      const [pt, pl, pb, pr] = r.pads;
      const src = X.data as Float32Array;
      const y = new Float32Array(n * c * r.oh * r.ow);
      let o = 0;
      for (let p = 0; p < n * c; p++) {
        const base = p * h * w;
        for (let oy = 0; oy < r.oh; oy++) {
          for (let ox = 0; ox < r.ow; ox++) {
            let acc = isMax ? -Infinity : 0, cells = 0, padded = 0;
            for (let i = 0; i < r.kh; i++) {
              const iy = oy * r.strideH - pt + i * r.dilationH;
              for (let j = 0; j < r.kw; j++) {
                const ix = ox * r.strideW - pl + j * r.dilationW;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                  // count_include_pad counts pad cells, not cells past the padded extent (ceil_mode)
                  if (iy >= -pt && iy < h + pb && ix >= -pl && ix < w + pr) padded++;
                  continue;
                }
                const v = src[base + iy * w + ix]!;
                if (isMax) { if (v > acc || Number.isNaN(v)) acc = v; } else acc += v;
                cells++;
              }
            }
            y[o++] = isMax ? acc : acc / (countIncludePad ? cells + padded : cells);
          }
        }
      }
      return [f32([n, c, r.oh, r.ow], y)];
    },
  };
}

export const MaxPool = makePool('MaxPool');
export const AveragePool = makePool('AveragePool');
