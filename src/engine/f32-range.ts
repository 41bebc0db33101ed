// Extremes of a float32 array in wasm (f32_rminmax): what calibration's min-max observers need
// per tensor and batch, about 10x cheaper than the JS loop with the copy into wasm memory included.

import { ALIGN, EXTRA_BYTES, alignUp } from './heap.js';
import type { KernelParams } from './kernel-specs.js';

/** The part of Engine used here (declared here so that engine.ts can import this file). */
export interface F32RangeHost {
  workRegion(bytes: number): number;
  f32(): Float32Array;
  run(kernel: 'f32-rminmax', p: KernelParams<'f32-rminmax'>): void;
}

/** min / max of x (Infinity / -Infinity when empty) and whether every value is finite. */
export interface F32Range {
  min: number;
  max: number;
  finite: boolean;
}

/**
 * The extremes of x as a scan `if (v < lo) lo = v; if (v > hi) hi = v` from lo = +Inf,
 * hi = -Inf gives them: NaN never wins, and a zero extreme has the sign of the first zero in x.
 */
export function rangeF32(e: F32RangeHost, x: Float32Array): F32Range {
  if (x.length === 0) return { min: Infinity, max: -Infinity, finite: true };
  const inBytes = alignUp(x.length * 4 + EXTRA_BYTES, ALIGN);
  const base = e.workRegion(inBytes + alignUp(12 + EXTRA_BYTES, ALIGN));
  e.f32().set(x, base >> 2);
  const output = base + inBytes;
  e.run('f32-rminmax', { input: base, output, count: x.length });
  const r = e.f32().subarray(output >> 2, (output >> 2) + 3);
  let min = r[0]!, max = r[1]!;
  const finite = r[2] === 0;
  // the kernel's lanes leave the sign of a zero extreme open: the scan keeps the first zero seen
  if (min === 0) min = x[x.indexOf(0)]!;
  if (max === 0) max = x[x.indexOf(0)]!;
  return { min, max, finite };
}
