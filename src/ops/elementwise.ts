// Broadcasting (numpy / ONNX multidirectional) for binary elementwise ops.
// See: onnx/docs/Broadcasting.md

import { fail } from './op.js';

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1, db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each output element, the flat index into an input of `shape` broadcast to `out`. */
export function broadcastIndex(shape: readonly number[], out: readonly number[]): Int32Array {
  const n = out.reduce((p, d) => p * d, 1);
  const idx = new Int32Array(n);
  const r = out.length;
  const strides = new Array<number>(r).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const oi = r - shape.length + i;
    strides[oi] = shape[i] === 1 ? 0 : s;
    s *= shape[i]!;
  }
  const pos = new Array<number>(r).fill(0);
  let cur = 0;
  for (let k = 0; k < n; k++) {
    idx[k] = cur;
    for (let d = r - 1; d >= 0; d--) {
      pos[d]++;
      cur += strides[d]!;
      if (pos[d]! < out[d]!) break;
      cur -= strides[d]! * pos[d]!;
      pos[d] = 0;
    }
  }
  return idx;
}
