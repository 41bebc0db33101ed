// Float <-> int8 at the graph edges, done by the host: the float NCHW input is quantized to
// NHWC int8 (round half to even of the float32 quotient), outputs are dequantized back.

import type { QParams } from '../ir/qgraph.js';
import { clampInt, roundHalfEven } from '../core/rounding.js';

/** x: float NCHW (or [n, k]) with per-image shape `shape` (CHW or [k]); writes NHWC int8 into `out`. */
export function quantizeInput(x: Float32Array, n: number, shape: readonly number[], q: QParams, out: Int8Array): void {
  const per = shape.reduce((p, d) => p * d, 1);
  if (x.length !== n * per) throw new Error(`input has ${x.length} values, expected ${n} x ${per}`);
  const planar = shape.length === 3;
  const c = planar ? shape[0]! : 1, hw = planar ? shape[1]! * shape[2]! : per;
  const scale = q.scale, zp = q.zeroPoint; // hoisted: the host's quantize is on the critical path of a batch-1 run
  // element i of NCHW image b, channel ch, pixel p goes to NHWC (b, p, ch)
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      const src = (b * c + ch) * hw;
      for (let p = 0, o = b * hw * c + ch; p < hw; p++, o += c) {
        const v = x[src + p]!;
        if (!Number.isFinite(v)) throw new Error(`input contains ${v}`);
        out[o] = clampInt(roundHalfEven(Math.fround(v / scale)) + zp, -128, 127);
      }
    }
}

/** q: int8 NHWC (or [n, k]); writes float NCHW (or [n, k]) with per-image float shape `shape`. */
export function dequantizeOutput(q: Int8Array, n: number, shape: readonly number[], p: QParams, out: Float32Array): void {
  const per = shape.reduce((a, d) => a * d, 1);
  if (shape.length !== 3) {
    for (let i = 0; i < n * per; i++) out[i] = p.scale * (q[i]! - p.zeroPoint);
    return;
  }
  const [c, h, w] = shape as [number, number, number];
  const hw = h * w;
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let px = 0; px < hw; px++) out[(b * c + ch) * hw + px] = p.scale * (q[(b * hw + px) * c + ch]! - p.zeroPoint);
}
