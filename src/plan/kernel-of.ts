// Which wasm kernel runs each node of a quantized graph, as the executor plans it: for `inspect`.

import type { QGraph } from '../ir/qgraph.js';
import { plan, type PlanOptions } from './planner.js';

/** node name -> kernel name (src/engine/kernel-specs.ts KERNELS); nodes without a kernel (reshapes) are absent. */
export function kernelsOf(q: QGraph, opts: PlanOptions = {}): Map<string, string> {
  return new Map(plan(q, 1, opts).steps.map((s) => [s.node.name, s.kernel]));
}
