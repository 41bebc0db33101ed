// Activation fusion on the lowered graph: a Relu or Clip (lowered to `clamp`) that is the only
// reader of a conv, gemm or add output, which is not a graph output, becomes that op's output
// clamp; the op then writes the activation's value. Anything else stays a `clamp` node, which
// has no integer kernel of its own.

import type { LNode, LoweredGraph } from '../ir/lowered.js';

export function fuseActivations(l: LoweredGraph): LoweredGraph {
  const readers = new Map<string, LNode[]>();
  for (const n of l.nodes) for (const i of new Set(n.inputs)) readers.set(i, [...(readers.get(i) ?? []), n]);
  const isOutput = new Set(l.outputs.map((o) => o.value));
  const fusedAway = new Set<LNode>();
  const shapes = new Map(l.shapes);
  const nodes: LNode[] = [];
  for (const n of l.nodes) {
    if (fusedAway.has(n)) continue;
    if (n.op !== 'conv' && n.op !== 'gemm' && n.op !== 'add') {
      nodes.push(n);
      continue;
    }
    const out = n.outputs[0]!, rs = readers.get(out) ?? [];
    const act = rs.length === 1 && !isOutput.has(out) && rs[0]!.op === 'clamp' ? rs[0]! : undefined;
    if (!act) {
      nodes.push(n);
      continue;
    }
    fusedAway.add(act);
    shapes.delete(out);
    nodes.push({ ...n, outputs: [act.outputs[0]!], clamp: (act as Extract<LNode, { op: 'clamp' }>).clamp });
  }
  return { ...l, shapes, nodes };
}
