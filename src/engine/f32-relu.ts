// ONNX Relu on float32 in wasm (f32_vrelu): the same bytes as the Relu op (src/ops/relu.ts) at a
// fraction of its cost, the copies into and out of wasm memory included.

import { ALIGN, EXTRA_BYTES, alignUp } from './heap.js';
import type { KernelParams } from './kernel-specs.js';

/** The part of Engine used here (declared here so that engine.ts can import this file). */
export interface F32ReluHost {
  workRegion(bytes: number): number;
  f32(): Float32Array;
  run(kernel: 'f32-vrelu', p: KernelParams<'f32-vrelu'>): void;
}

/** y = x > 0 ? x : +0 per element (NaN and -0 give +0) into `out` (may be x) or a new array. */
export function reluF32(e: F32ReluHost, x: Float32Array, out?: Float32Array): Float32Array {
  const y = out ?? new Float32Array(x.length);
  if (y.length !== x.length) throw new Error(`reluF32: out has ${y.length} elements, expected ${x.length}`);
  if (x.length === 0) return y;
  const base = e.workRegion(alignUp(x.length * 4 + EXTRA_BYTES, ALIGN));
  e.f32().set(x, base >> 2);
  e.run('f32-vrelu', { input: base, output: base, count: x.length }); // in place
  y.set(e.f32().subarray(base >> 2, (base >> 2) + x.length));
  return y;
}
