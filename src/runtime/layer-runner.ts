// One layer planned (src/plan/layer-step.ts) and run on its own, outside a graph: the kernel
// tests and microbenchmarks use it, so they run exactly the calls a Plan makes.

import type { Engine } from '../engine/engine.js';
import type { QNode, QValue } from '../ir/qgraph.js';
import { layerStep, type LayerStep, type PotKernels } from '../plan/layer-step.js';
import { bindCall, type BoundCall } from './bind.js';

export class LayerRunner {
  readonly step: LayerStep;
  /** wasm addresses of the node's inputs and output ([n][per-image shape] int8) */
  readonly inputs: number[];
  readonly output: number;
  readonly outputBytes: number;
  private readonly call: BoundCall;

  /** `values`: shape and quantization of the node's inputs and output; `n`: batch. */
  constructor(private readonly engine: Engine, readonly node: QNode, values: ReadonlyMap<string, QValue>, readonly n: number, potKernels: PotKernels = 'shift-add') {
    const value = (name: string) => {
      const v = values.get(name);
      if (!v) throw new Error(`LayerRunner: no value '${name}'`);
      return v;
    };
    const step = layerStep(node, (name) => value(name).q, potKernels);
    if (step === null) throw new Error(`LayerRunner: ${node.op} runs no kernel`);
    this.step = step;
    const bytes = (name: string) => n * value(name).shape.reduce((p, d) => p * d, 1);
    const packed = engine.alloc(step.packed?.length ?? 0);
    if (step.packed) engine.write(packed, step.packed);
    const scratch = engine.alloc(step.scratchBytes);
    this.inputs = node.inputs.map((name) => engine.alloc(bytes(name)));
    this.outputBytes = bytes(node.outputs[0]!);
    this.output = engine.alloc(this.outputBytes);
    this.call = bindCall(step, this.inputs, this.output, packed, scratch, n);
  }

  /** Runs the layer on `inputs` (int8, one array per node input) and returns a copy of its output. */
  run(...inputs: Int8Array[]): Int8Array {
    inputs.forEach((x, i) => this.engine.i8View(this.inputs[i]!, x.length).set(x));
    this.runInPlace();
    return this.engine.i8View(this.output, this.outputBytes).slice();
  }

  /** A copy of the bound params (every field, pointers included). */
  get params(): Record<string, number> {
    return { ...(this.call.params as Record<string, number>) };
  }

  /** Runs the kernel on whatever the input buffers hold (benchmarks). */
  runInPlace(): void {
    this.engine.run(this.call.kernel, this.call.params);
  }
}
