// Per-layer parameters and MACs of a graph, per image (the `inspect` contract).

import type { Graph } from './graph.js';
import { OPS } from '../ops/registry.js';

export interface LayerSummary {
  name: string;
  op: string;
  inputShape: number[];
  outputShape: number[];
  params: number;
  /** multiply-accumulates per image */
  macs: number;
}

export interface GraphSummary {
  layers: LayerSummary[];
  totals: { params: number; macs: number };
}

export function summarize(g: Graph): GraphSummary {
  const layers = g.nodes.map((n): LayerSummary => {
    const op = OPS.get(n.op)!;
    const info = (v: string) => g.values.get(v)!;
    const params = (op.paramInputs ?? []).reduce((s, i) => {
      const t = n.inputs[i] ? g.constants.get(n.inputs[i]!) : undefined;
      return s + (t ? t.data.length : 0);
    }, 0);
    const ins = n.inputs.filter((v) => v).map(info);
    const outs = n.outputs.map(info);
    const macs = op.macs ? op.macs(n.inputs.map((v) => (v ? info(v) : undefined!)), outs, n.attrs) / g.batch : 0;
    const x = ins.find((v) => !g.constants.has(v.name)) ?? ins[0];
    return { name: n.name, op: n.op, inputShape: x ? [...x.shape] : [], outputShape: [...outs[0]!.shape], params, macs };
  });
  return {
    layers,
    totals: { params: layers.reduce((s, l) => s + l.params, 0), macs: layers.reduce((s, l) => s + l.macs, 0) },
  };
}
