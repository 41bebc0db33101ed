// Small generated networks for the issue-12 op families (random weights: they check integer
// exactness and the per-op error oracle, not accuracy), and the run-them-every-way harness:
// float engine, TS integer reference, scalar and SIMD wasm.

import type { Engine } from '../../src/engine/engine.js';
import type { Graph } from '../../src/ir/graph.js';
import type { QGraph } from '../../src/ir/qgraph.js';
import { f32 } from '../../src/ir/tensor.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { runPasses } from '../../src/passes/pipeline.js';
import { quantizeInt8, type QuantizeInt8Options } from '../../src/quant/quantize-int8.js';
import { F32Executor } from '../../src/runtime/f32-executor.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { runQReference } from '../../src/runtime/reference/q-reference-executor.js';
import type { NodeSpec, TensorSpec } from './onnx-builder.js';
import { mulberry32 } from './rng.js';

/** Collects nodes and random-weight initializers of a model under construction. */
export class NetBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly inits: TensorSpec[] = [];
  private k = 0;
  private readonly rng: () => number;
  constructor(seed: number) {
    this.rng = mulberry32(seed);
  }
  private fresh(p: string): string {
    return `${p}${this.k++}`;
  }
  weights(dims: number[], scale: number): string {
    const name = this.fresh('w');
    const n = dims.reduce((p, d) => p * d, 1);
    this.inits.push({ name, dims, data: Float32Array.from({ length: n }, () => (this.rng() * 2 - 1) * scale) });
    return name;
  }
  scalar(v: number): string {
    const name = this.fresh('s');
    this.inits.push({ name, dims: [], data: [v] });
    return name;
  }
  op(op: string, inputs: string[], attrs?: NodeSpec['attrs'], out = this.fresh(op.toLowerCase())): string {
    this.nodes.push({ op, name: `${op}_${this.nodes.length}`, inputs, outputs: [out], attrs });
    return out;
  }
  /** Conv with bias, He-like init, optional Relu. */
  conv(x: string, cin: number, cout: number, k: number, opts: { stride?: number; pad?: number; relu?: boolean; group?: number } = {}): string {
    const p = opts.pad ?? (k - 1) >> 1, g = opts.group ?? 1;
    const w = this.weights([cout, cin / g, k, k], Math.sqrt(6 / ((cin / g) * k * k)));
    const b = this.weights([cout], 0.1);
    const y = this.op('Conv', [x, w, b], { kernel_shape: [k, k], pads: [p, p, p, p], strides: [opts.stride ?? 1, opts.stride ?? 1], group: g });
    return opts.relu === false ? y : this.op('Relu', [y]);
  }
  gemm(x: string, k: number, m: number): string {
    return this.op('Gemm', [x, this.weights([m, k], Math.sqrt(3 / k)), this.weights([m], 0.1)], { transB: 1 });
  }
}

export interface RunAll {
  g: Graph;
  q: QGraph;
  /** float outputs of the float engine, per graph output */
  float: Float32Array[];
  /** int8 outputs (reference == scalar == simd is checked by the caller) */
  ref: Int8Array[];
  scalar: Int8Array[];
  simd: Int8Array[];
  /** dequantized reference outputs */
  deq: Float32Array[];
}

/** Random images in [-1, 1) of the graph input's per-image shape. */
export function images(g: Graph, n: number, seed: number): Float32Array {
  const per = g.inputs[0]!.shape.slice(1).reduce((p, d) => p * d, 1);
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n * per }, () => rng() * 2 - 1);
}

/** Min-max ranges of every float value over the calibration images (batch = the graph's). */
export function minMaxRanges(g: Graph, x: Float32Array): Map<string, { min: number; max: number }> {
  const r = new Map<string, { min: number; max: number }>();
  const see = (name: string, d: Float32Array) => {
    const o = r.get(name) ?? { min: 0, max: 0 };
    for (const v of d) { if (v < o.min) o.min = v; if (v > o.max) o.max = v; }
    r.set(name, o);
  };
  const inp = g.inputs[0]!;
  const per = inp.shape.slice(1).reduce((p, d) => p * d, 1);
  const ex = new F32Executor(g, { observe: (n, outs) => n.outputs.forEach((o, k) => outs[k]!.dtype === 'float32' && see(o, outs[k]!.data as Float32Array)) });
  for (let b = 0; b + g.batch * per <= x.length; b += g.batch * per) {
    const d = x.subarray(b, b + g.batch * per);
    see(inp.name, d);
    ex.run({ [inp.name]: f32(inp.shape, d) });
  }
  return r;
}

/** Import, fold, calibrate on `calib`, quantize; run `test` on the float engine, the reference and both wasm builds. */
export function runAll(model: Uint8Array, engines: { scalar: Engine; simd: Engine }, calib: Float32Array, test: Float32Array, n: number, opts: QuantizeInt8Options = {}): RunAll {
  const g = runPasses(importOnnxBytes(model, { batch: n }));
  const q = quantizeInt8(g, minMaxRanges(g, calib), opts);
  const inp = g.inputs[0]!;
  const fl = new F32Executor(g).run({ [inp.name]: f32(inp.shape, test) });
  const ref = runQReference(q, test, n);
  const wasm = (e: Engine) => new QExecutor(q, e, n).runQuantized(test, n);
  return { g, q, float: g.outputs.map((o) => fl[o.name]!.data as Float32Array), ref: ref.quantized, scalar: wasm(engines.scalar), simd: wasm(engines.simd), deq: ref.outputs };
}
