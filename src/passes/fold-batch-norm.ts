// Conv -> BatchNormalization  ==>  Conv with W'[m] = W[m] * k[m], b'[m] = (b[m] - mean[m]) * k[m] + beta[m],
// k[m] = gamma[m] / sqrt(var[m] + eps). Computed in float64, stored as float32.
// Folds only when the Conv output feeds nothing but the BN and all BN inputs are constants.

import type { Graph, Node } from '../ir/graph.js';
import { consumers } from '../ir/graph.js';
import { f32, type Tensor } from '../ir/tensor.js';
import type { BatchNormAttrs } from '../ops/batch-normalization.js';
import type { Pass } from './pass.js';

export const foldBatchNorm: Pass = {
  name: 'fold-batch-norm',
  run(g: Graph): Graph {
    const readers = consumers(g);
    const byOutput = new Map<string, Node>();
    for (const n of g.nodes) for (const o of n.outputs) byOutput.set(o, n);
    const constants = new Map(g.constants);
    const replaced = new Map<Node, Node>();
    const dropped = new Set<Node>();

    for (const bn of g.nodes) {
      if (bn.op !== 'BatchNormalization') continue;
      const conv = byOutput.get(bn.inputs[0]!);
      if (!conv || conv.op !== 'Conv' || replaced.has(conv)) continue;
      if ((readers.get(conv.outputs[0]!)?.length ?? 0) !== 1 || g.outputs.some((o) => o.name === conv.outputs[0])) continue;
      const params = bn.inputs.slice(1).map((v) => constants.get(v));
      const w = constants.get(conv.inputs[1]!);
      const b = conv.inputs[2] ? constants.get(conv.inputs[2]) : undefined;
      if (params.some((p) => !p) || !w || (conv.inputs[2] && !b)) continue;
      const [gamma, beta, mean, variance] = params.map((p) => p!.data as Float32Array) as Float32Array[];
      const { epsilon } = bn.attrs as BatchNormAttrs;
      const m = w.shape[0]!, per = w.data.length / m;
      const wd = w.data as Float32Array, nw = new Float32Array(wd.length), nb = new Float32Array(m);
      for (let o = 0; o < m; o++) {
        const k = gamma![o]! / Math.sqrt(variance![o]! + epsilon);
        for (let i = 0; i < per; i++) nw[o * per + i] = wd[o * per + i]! * k;
        nb[o] = ((b ? (b.data as Float32Array)[o]! : 0) - mean![o]!) * k + beta![o]!;
      }
      const wName = fresh(constants, `${conv.inputs[1]}_bnfolded`);
      const bName = fresh(constants, `${conv.inputs[2] || conv.inputs[1]}_bias_bnfolded`);
      constants.set(wName, f32(w.shape, nw) as Tensor);
      constants.set(bName, f32([m], nb) as Tensor);
      replaced.set(conv, { ...conv, inputs: [conv.inputs[0]!, wName, bName], outputs: [bn.outputs[0]!] });
      dropped.add(bn);
    }
    if (replaced.size === 0) return g;

    const nodes = g.nodes.filter((n) => !dropped.has(n)).map((n) => replaced.get(n) ?? n);
    const used = new Set(nodes.flatMap((n) => n.inputs));
    for (const k of [...constants.keys()]) if (!used.has(k)) constants.delete(k);
    const values = new Map(g.values);
    for (const [k, t] of constants) if (!values.has(k)) values.set(k, { name: k, dtype: t.dtype, shape: t.shape });
    for (const k of [...values.keys()]) if (g.constants.has(k) && !constants.has(k)) values.delete(k);
    for (const n of replaced.keys()) values.delete(n.outputs[0]!);
    return { ...g, nodes, constants, values };
  },
};

function fresh(m: ReadonlyMap<string, unknown>, base: string): string {
  let name = base;
  for (let i = 1; m.has(name); i++) name = `${base}_${i}`;
  return name;
}
