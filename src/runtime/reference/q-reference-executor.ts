// Runs a QGraph with the plain-loop integer reference ops: the whole-graph oracle that the
// wasm executor must match byte for byte.

import type { QGraph, QNode } from '../../ir/qgraph.js';
import { dequantizeOutput, quantizeInput } from '../edges.js';
import { runExtraRef } from './qs8-ops-extra.js';
import { qs8Add, qs8Conv2d, qs8Gemm, qs8GlobalAvgPool, qs8MaxPool, x8StridedCopy, x8ToNchw, type AccExtremes } from './qs8-ops.js';

export interface QRunResult {
  /** int8 value of every graph output (NHWC / [n,k]) */
  quantized: Int8Array[];
  /** dequantized float outputs (NCHW / [n,k]) */
  outputs: Float32Array[];
}

/**
 * `observe`: each node's int8 output. `accumulators`: per conv / gemm node name, the extremes its
 * partial sums reach (entries created as needed, updated over runs: src/hw/acc-trace.ts).
 */
export function runQReference(q: QGraph, x: Float32Array, n: number, observe?: (node: QNode, y: Int8Array) => void, accumulators?: Map<string, AccExtremes>): QRunResult {
  const env = new Map<string, Int8Array>();
  const inp = new Int8Array(x.length);
  quantizeInput(x, n, q.input.shape, q.input.q, inp);
  env.set(q.input.quantized, inp);
  const qp = (name: string) => q.values.get(name)!.q;
  for (const node of q.nodes) {
    const a = env.get(node.inputs[0]!)!;
    const xq = qp(node.inputs[0]!), yq = qp(node.outputs[0]!);
    let ext = accumulators?.get(node.name);
    if (accumulators && !ext && (node.op === 'conv' || node.op === 'gemm')) accumulators.set(node.name, (ext = { lo: Infinity, hi: -Infinity }));
    let y: Int8Array;
    switch (node.op) {
      case 'conv': y = qs8Conv2d(a, n, node, xq, yq, ext); break;
      case 'gemm': y = qs8Gemm(a, n, node, xq, yq, ext); break;
      case 'add': y = qs8Add(a, env.get(node.inputs[1]!)!, node, xq, qp(node.inputs[1]!), yq); break;
      case 'gavgpool': y = qs8GlobalAvgPool(a, n, node, xq, yq); break;
      case 'maxpool': y = qs8MaxPool(a, n, node); break;
      case 'strided-copy': y = x8StridedCopy(a, n, node); break;
      case 'to-nchw': y = x8ToNchw(a, n, node); break;
      case 'reshape': y = a; break;
      default: y = runExtraRef(node, n, (v) => env.get(v)!, qp);
    }
    env.set(node.outputs[0]!, y);
    observe?.(node, y);
  }
  const quantized = q.outputs.map((o) => env.get(o.quantized)!);
  const outputs = q.outputs.map((o, i) => {
    const f = new Float32Array(n * o.shape.reduce((p, d) => p * d, 1));
    dequantizeOutput(quantized[i]!, n, o.shape, qp(o.quantized), f);
    return f;
  });
  return { quantized, outputs };
}
