// The float graph IR: nodes in topological order over named values with concrete shapes
// (the batch size is fixed at import). Initializers and folded constants live in `constants`.

import type { DType, Tensor } from './tensor.js';

export interface ValueInfo {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export interface Value extends ValueInfo {
  readonly name: string;
}

export interface Node<A = unknown> {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[]; // '' = omitted optional input
  readonly outputs: readonly string[];
  readonly attrs: A;
}

export interface Graph {
  readonly name: string;
  readonly batch: number;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly nodes: readonly Node[];
  /** Shapes of every value the nodes produce or consume (inputs, constants, intermediates). */
  readonly values: ReadonlyMap<string, Value>;
  /** Weights and folded constants. */
  readonly constants: ReadonlyMap<string, Tensor>;
}

/** For each value name, the nodes that read it (graph outputs count as a reader named ''). */
export function consumers(g: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (!i) continue;
      let l = m.get(i);
      if (!l) m.set(i, (l = []));
      if (!l.includes(n)) l.push(n);
    }
  }
  return m;
}

/** Index of the node producing each value. */
export function producers(g: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) m.set(o, n);
  return m;
}
