// ONNX Gemm: Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A (M x K),
// B' = transB ? B^T : B (K x N), C broadcast to M x N. See: onnx/docs/Operators.md#Gemm

import { f32 } from '../ir/tensor.js';
import { broadcastIndex, broadcastShape } from './elementwise.js';
import { expectFloat, expectRank, fail, freshF32, need, type OpDef } from './op.js';
import type { ValueInfo } from '../ir/graph.js';

export interface GemmAttrs { alpha: number; beta: number; transA: boolean; transB: boolean }

function dims(a: ValueInfo, b: ValueInfo, t: GemmAttrs): [number, number, number] {
  expectRank(a, 2, 'A'); expectRank(b, 2, 'B');
  const [m, k] = t.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, n] = t.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k !== k2) fail(`inner dimensions differ: A gives K=${k}, B gives K=${k2}`);
  return [m, k, n];
}

export const Gemm: OpDef<GemmAttrs> = {
  type: 'Gemm',
  arity: [2, 3],
  paramInputs: [1, 2],
  parse: (a) => ({ alpha: a.float('alpha', 1), beta: a.float('beta', 1), transA: a.int('transA', 0) !== 0, transB: a.int('transB', 0) !== 0 }),
  infer([a, b, c], _k, attrs) {
    const A = need(a, 'A'), B = need(b, 'B');
    expectFloat(A, 'A'); expectFloat(B, 'B');
    const [m, , n] = dims(A, B, attrs);
    if (c) {
      const s = broadcastShape(c.shape, [m, n]);
      if (s.length !== 2 || s[0] !== m || s[1] !== n) fail(`C of shape [${c.shape.join(',')}] does not broadcast to [${m},${n}]`);
    }
    return [{ dtype: 'float32', shape: [m, n] }];
  },
  run([a, b, c], attrs, alloc = freshF32) {
    const A = need(a, 'A'), B = need(b, 'B');
    const [m, k, n] = dims(A, B, attrs);
    const x = A.data as Float32Array, w = B.data as Float32Array;
    const ci = c ? broadcastIndex(c.shape, [m, n]) : null;
    const cd = c?.data as Float32Array | undefined;
    const y = alloc(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          const av = attrs.transA ? x[p * m + i]! : x[i * k + p]!;
          const bv = attrs.transB ? w[j * k + p]! : w[p * n + j]!;
          acc += av * bv;
        }
        y[i * n + j] = attrs.alpha * acc + (cd && ci ? attrs.beta * cd[ci[i * n + j]!]! : 0);
      }
    }
    return [f32([m, n], y)];
  },
  macs([a, b], _o, attrs) {
    const [m, k, n] = dims(a!, b!, attrs);
    return m * k * n;
  },
};
