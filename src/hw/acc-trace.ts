// The accumulator extremes of a QGraph's conv / gemm layers on real images: the TS integer
// reference run with its accumulator observer (src/runtime/reference/qs8-ops.ts AccExtremes),
// which sums in the processing element's order (acc = bias, then one tap at a time in
// weight-memory order, padded taps skipped). The outputs are the reference's bytes (checked
// against the engine by bench/hw-accumulators.ts).

import type { QGraph } from '../ir/qgraph.js';
import { runQReference } from '../runtime/reference/q-reference-executor.js';
import type { AccExtremes } from '../runtime/reference/qs8-ops.js';

export type { AccExtremes };

/** Runs n images; updates `ext` (per conv / gemm node name) and returns the int8 graph outputs. */
export function traceAccumulators(q: QGraph, images: Float32Array, n: number, ext: Map<string, AccExtremes>): Int8Array[] {
  return runQReference(q, images, n, undefined, ext).quantized;
}
