// ONNX Clip on float32 in wasm (f32_vclamp): the same bytes as the Clip op (src/ops/clip.ts) at
// a fraction of its cost, the copies into and out of wasm memory included.

import { ALIGN, EXTRA_BYTES, alignUp } from './heap.js';
import type { KernelParams } from './kernel-specs.js';
import { clipF32 } from '../ops/clip.js';

/** The part of Engine used here (declared here so that engine.ts can import this file). */
export interface F32ClampHost {
  workRegion(bytes: number): number;
  f32(): Float32Array;
  run(kernel: 'f32-vclamp', p: KernelParams<'f32-vclamp'>): void;
}

/** y = x < lo ? lo : x > hi ? hi : x per element (NaN stays NaN, quiet; -0 stays -0) into `out` or a new array. */
export function clampF32(e: F32ClampHost, x: Float32Array, lo: number, hi: number, out?: Float32Array): Float32Array {
  const y = out ?? new Float32Array(x.length);
  if (y.length !== x.length) throw new Error(`clampF32: out has ${y.length} elements, expected ${x.length}`);
  if (x.length === 0) return y;
  if (!(Math.fround(lo) === lo && Math.fround(hi) === hi && lo <= hi)) {
    clipF32(x, y, lo, hi); // outside the kernel's contract (NaN, crossed or non-float32 bounds): the op's own code
    return y;
  }
  const bytes = alignUp(x.length * 4 + EXTRA_BYTES, ALIGN);
  const base = e.workRegion(bytes + alignUp(8 + EXTRA_BYTES, ALIGN));
  const f32 = e.f32(), bounds = base + bytes;
  f32.set(x, base >> 2);
  f32[bounds >> 2] = lo;
  f32[(bounds >> 2) + 1] = hi;
  e.run('f32-vclamp', { input: base, output: base, bounds, count: x.length }); // in place
  y.set(e.f32().subarray(base >> 2, (base >> 2) + x.length));
  return y;
}
