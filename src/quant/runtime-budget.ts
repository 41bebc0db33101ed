// DoubleQExt under a runtime budget: the executor's wasm memory at batch 1 (runtimeBytes.total,
// the default compact weight form) at most B bytes. Per layer and tier the resident bytes are
// exact without quantizing (src/plan/resident.ts residentBytesAs: weights and per-channel
// constants, each layer's region ALIGN-aligned). Everything else (arena, row scratch, the unpack
// scratch, which is the same for int8 and code layers, other layers) does not depend on the
// tiers, so total = (8-bit total) - sum of the bytes each chosen tier saves: additive, and the
// knapsack of src/quant/select-layers.ts runs on it exactly.

import { QuantizationError } from '../core/errors.js';
import { ALIGN } from '../engine/heap.js';
import type { QConv, QGemm, QGraph } from '../ir/qgraph.js';
import { runtimeBytes } from '../plan/memory-report.js';
import { plan } from '../plan/planner.js';
import { residentBytesAs } from '../plan/resident.js';
import { tiersOf, type LayerInfo } from './layer-metrics.js';
import type { Measure } from './select-layers.js';

const alignUp = (v: number) => Math.ceil(v / ALIGN) * ALIGN;

/** Wasm memory the compact executor of `q` holds at batch 1. */
export function runtimeTotal(q: QGraph): number {
  return runtimeBytes(plan(q, 1)).total;
}

export interface RuntimeMeasure extends Measure {
  /** runtime bytes of the 8-bit model */
  int8Total: number;
  /** runtime bytes with every layer at its most saving tier */
  leastTotal: number;
}

/** The Measure of a runtime budget of `bytes` on the 8-bit graph `q8` with the selection's layers. */
export function runtimeMeasure(q8: QGraph, layers: readonly LayerInfo[], bytes: number): RuntimeMeasure {
  const nodes = new Map(q8.nodes.flatMap((n) => (n.op === 'conv' || n.op === 'gemm' ? [[n.name, n] as const] : [])));
  const region = (n: QConv | QGemm, bits: 8 | 5 | 4) => {
    const r = residentBytesAs(n, bits);
    return alignUp(r.weights + r.constants);
  };
  const saved = (l: LayerInfo, codeBits: number): number => {
    const n = nodes.get(l.name);
    if (!n) throw new Error(`runtime budget: no weight layer '${l.name}' in the 8-bit model`);
    if (codeBits !== 5 && codeBits !== 4) throw new Error(`runtime budget: no ${codeBits}-bit codes`);
    return region(n, 8) - region(n, codeBits);
  };
  const int8Total = runtimeTotal(q8);
  const leastTotal = int8Total - layers.reduce((s, l) => s + Math.max(...tiersOf(l).map((t) => saved(l, t.codeBits))), 0);
  if (bytes < leastTotal) {
    throw new QuantizationError(`--budget ${bytes}B of runtime memory is impossible: the executor needs at least ${leastTotal} bytes at batch 1 with every layer power of two (${int8Total} bytes at 8 bits)`);
  }
  return { saved, need: int8Total - bytes, int8Total, leastTotal };
}
