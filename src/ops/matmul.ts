// ONNX MatMul (numpy.matmul): rank-1 operands are promoted and the added axis removed;
// leading (batch) axes broadcast. See: onnx/docs/Operators.md#MatMul

import { f32 } from '../ir/tensor.js';
import { broadcastIndex, broadcastShape } from './elementwise.js';
import { expectFloat, fail, need, type OpDef } from './op.js';

interface MatMulShape { batch: number[]; m: number; k: number; n: number; out: number[]; aBatch: number[]; bBatch: number[] }

function shapes(a: readonly number[], b: readonly number[]): MatMulShape {
  if (a.length === 0 || b.length === 0) fail('MatMul operands must not be scalars');
  const A = a.length === 1 ? [1, a[0]!] : [...a];
  const B = b.length === 1 ? [b[0]!, 1] : [...b];
  const m = A[A.length - 2]!, k = A[A.length - 1]!, k2 = B[B.length - 2]!, n = B[B.length - 1]!;
  if (k !== k2) fail(`inner dimensions differ: [${a.join(',')}] x [${b.join(',')}]`);
  const aBatch = A.slice(0, -2), bBatch = B.slice(0, -2);
  const batch = broadcastShape(aBatch, bBatch);
  const out = [...batch, ...(a.length === 1 ? [] : [m]), ...(b.length === 1 ? [] : [n])];
  return { batch, m, k, n, out, aBatch, bBatch };
}

export const MatMul: OpDef<Record<string, never>> = {
  type: 'MatMul',
  arity: [2, 2],
  paramInputs: [1],
  parse: () => ({}),
  infer([a, b]) {
    const A = need(a, 'A'), B = need(b, 'B');
    expectFloat(A, 'A'); expectFloat(B, 'B');
    return [{ dtype: 'float32', shape: shapes(A.shape, B.shape).out }];
  },
  run([a, b]) {
    const A = need(a, 'A'), B = need(b, 'B');
    const s = shapes(A.shape, B.shape);
    const ia = broadcastIndex(s.aBatch, s.batch), ib = broadcastIndex(s.bBatch, s.batch);
    const x = A.data as Float32Array, w = B.data as Float32Array;
    const y = new Float32Array(s.out.reduce((p, d) => p * d, 1));
    const { m, k, n } = s;
    for (let t = 0; t < ia.length; t++) {
      const xa = ia[t]! * m * k, wb = ib[t]! * k * n, yo = t * m * n;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) acc += x[xa + i * k + p]! * w[wb + p * n + j]!;
          y[yo + i * n + j] = acc;
        }
    }
    return [f32(s.out, y)];
  },
  macs([a, b]) {
    const s = shapes(a!.shape, b!.shape);
    return s.batch.reduce((p, d) => p * d, 1) * s.m * s.k * s.n;
  },
};
