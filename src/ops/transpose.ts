// ONNX Transpose: Y[i_perm[0], ..] = X[i_0, ..]; `perm` defaults to reversing the axes.
// See: onnx/docs/Operators.md#Transpose

import { allocData, tensor } from '../ir/tensor.js';
import { fail, need, type OpDef } from './op.js';

export interface TransposeAttrs { perm: number[] | undefined }

function permOf(rank: number, perm: number[] | undefined): number[] {
  const p = perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (p.length !== rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) fail(`perm [${p}] is not a permutation of the ${rank} axes`);
  return p;
}

export const Transpose: OpDef<TransposeAttrs> = {
  type: 'Transpose',
  arity: [1, 1],
  outputs: 1,
  parse: (a) => ({ perm: a.ints('perm') }),
  infer([x], _c, { perm }) {
    const X = need(x, 'data');
    const p = permOf(X.shape.length, perm);
    return [{ dtype: X.dtype, shape: p.map((a) => X.shape[a]!) }];
  },
  run([x], { perm }) {
    const X = need(x, 'data');
    const r = X.shape.length, p = permOf(r, perm);
    const shape = p.map((a) => X.shape[a]!);
    const inStride = new Array<number>(r);
    for (let a = r - 1, s = 1; a >= 0; a--) { inStride[a] = s; s *= X.shape[a]!; }
    const out = allocData(X.dtype, X.data.length) as Float32Array;
    const src = X.data as Float32Array;
    const idx = new Array<number>(r).fill(0);
    for (let o = 0; o < out.length; o++) {
      let s = 0;
      for (let a = 0; a < r; a++) s += idx[a]! * inStride[p[a]!]!;
      out[o] = src[s]!;
      for (let a = r - 1; a >= 0; a--) { if (++idx[a]! < shape[a]!) break; idx[a] = 0; }
    }
    return [tensor(X.dtype, shape, out)];
  },
};
