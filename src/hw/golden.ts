// Golden vectors: every node's integer input and output tensors for a batch of images, from the
// TS integer reference (the oracle the wasm engine matches byte for byte).

import type { QGraph } from '../ir/qgraph.js';
import { quantizeInput } from '../runtime/edges.js';
import { runQReference } from '../runtime/reference/q-reference-executor.js';

export interface GoldenTensors {
  images: number;
  /** per node (graph order): its input tensors and its output, each n images, NHWC / [k] */
  nodes: { inputs: Int8Array[]; output: Int8Array }[];
  /** the int8 graph outputs */
  outputs: Int8Array[];
}

export function goldenTensors(q: QGraph, images: Float32Array, n: number): GoldenTensors {
  // the same edge quantization the reference applies to the graph input
  const input = new Int8Array(images.length);
  quantizeInput(images, n, q.input.shape, q.input.q, input);
  const env = new Map<string, Int8Array>([[q.input.quantized, input]]);
  const nodes: GoldenTensors['nodes'] = [];
  const r = runQReference(q, images, n, (node, y) => {
    nodes.push({ inputs: node.inputs.map((v) => env.get(v)!), output: y });
    env.set(node.outputs[0]!, y);
  });
  return { images: n, nodes, outputs: r.quantized };
}
