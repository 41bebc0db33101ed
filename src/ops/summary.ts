// Per-layer parameters and MACs of a graph, per image (the `inspect` contract).

import type { Graph } from '../ir/graph.js';
import type { QGraph } from '../ir/qgraph.js';
import { OPS } from './registry.js';

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

/** The same summary for a quantized graph (per-image shapes; params = weights + biases). */
export function summarizeQ(q: QGraph): GraphSummary {
  const layers = q.nodes.map((n): LayerSummary => {
    const inShape = q.values.get(n.inputs[0]!)!.shape;
    const outShape = q.values.get(n.outputs[0]!)!.shape;
    let params = 0, macs = 0;
    if (n.op === 'conv') {
      const g = n.geometry;
      params = n.weights.length + n.bias.length;
      macs = g.oh * g.ow * g.m * g.kh * g.kw * (g.c / g.group);
    } else if (n.op === 'gemm') {
      params = n.weights.length + n.bias.length;
      macs = n.k * n.m;
    }
    return { name: n.name, op: n.op, inputShape: [...inShape], outputShape: [...outShape], params, macs };
  });
  return { layers, totals: { params: layers.reduce((s, l) => s + l.params, 0), macs: layers.reduce((s, l) => s + l.macs, 0) } };
}
