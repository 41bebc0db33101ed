// Runs a Plan (src/plan/planner.ts) of a QGraph on the wasm integer kernels. At construction the
// plan's packed weights are copied once into wasm memory and its scratch and activation arena
// (for `maxBatch` images) are allocated; every step's params are bound to those addresses.
// run() quantizes the input into the arena, runs the steps in order and dequantizes the outputs
// into preallocated arrays: it never grows wasm memory. No kernel or packing decision is made
// here: the planner made them.

import type { Engine } from '../engine/engine.js';
import type { QGraph, QParams } from '../ir/qgraph.js';
import { runtimeBytes, type RuntimeBytes } from '../plan/memory-report.js';
import { plan, type Int8Form, type Plan, type PotKernels, type Step, type WeightForm } from '../plan/planner.js';
import { bindCall, type BoundCall } from './bind.js';
import { dequantizeOutput, quantizeInput } from './edges.js';

export interface QExecutorOptions {
  /** Resident weights: 'compact' (default: int8 at one byte, power-of-two at the code width) or 'fast' (power-of-two as shift-add tap lists). */
  weights?: WeightForm;
  /** Overrides `weights` for power-of-two layers (src/plan/layer-step.ts PotKernels); same bytes out. */
  potKernels?: PotKernels;
  /** how int8 layers are resident and read (default 'unpack'; same bytes out; for speed comparisons) */
  int8Form?: Int8Form;
  /** an arena the caller allocated (at least plan.arenaBytes), for executors that never run interleaved to share; default: a new one */
  arena?: { ptr: number; bytes: number };
  /** steps a buffer's bytes stay unused after its last read (src/plan/planner.ts; the parallel executor sets it) */
  reuseDelay?: number;
}

export class QExecutor {
  readonly plan: Plan;
  /** wasm memory this executor uses (equal to the memory report's runtimeBytes; a shared arena counts in full) */
  readonly footprint: RuntimeBytes;
  protected readonly arena: number;
  protected readonly calls: BoundCall[];
  /** the plan's scratch region (its unpack region at unpackOffset) */
  protected readonly scratch: number;
  private readonly outputs: Float32Array[];
  /** output views per batch size, made once so run() allocates nothing in steady state */
  private readonly views = new Map<number, Float32Array[]>();

  constructor(readonly q: QGraph, protected readonly engine: Engine, readonly maxBatch = 1, opts: QExecutorOptions = {}) {
    this.plan = plan(q, maxBatch, opts);
    this.footprint = runtimeBytes(this.plan);
    const weights = engine.alloc(this.plan.weights.length);
    engine.write(weights, this.plan.weights);
    const scratch = (this.scratch = engine.alloc(this.plan.scratchBytes));
    if (opts.arena && opts.arena.bytes < this.plan.arenaBytes) throw new Error(`the given arena has ${opts.arena.bytes} bytes, '${q.name}' at batch ${maxBatch} needs ${this.plan.arenaBytes}`);
    this.arena = opts.arena?.ptr ?? engine.alloc(this.plan.arenaBytes);
    const a = this.arena;
    this.calls = this.plan.steps.map((s) => bindCall(s, s.inputs.map((o) => a + o), a + s.output, weights + (s.weights?.offset ?? 0), scratch, maxBatch, scratch + this.plan.unpackOffset));
    this.outputs = q.outputs.map((o) => new Float32Array(maxBatch * o.shape.reduce((p, d) => p * d, 1)));
  }

  private qp(name: string): QParams {
    return this.q.values.get(name)!.q;
  }

  /** Per-image input shape (CHW or [k]). */
  get inputShape(): readonly number[] {
    return this.q.input.shape;
  }

  /** x: float NCHW images; returns the dequantized outputs (views reused by the next run). */
  run(x: Float32Array, n: number): Float32Array[] {
    this.quantize(x, n);
    this.execute(n);
    return this.readOutputs(n);
  }

  /** The graph outputs now in the arena, dequantized (views reused by the next call). */
  readOutputs(n: number): Float32Array[] {
    this.checkBatch(n);
    let views = this.views.get(n);
    if (!views) this.views.set(n, (views = this.q.outputs.map((o, i) => this.outputs[i]!.subarray(0, n * o.shape.reduce((p, d) => p * d, 1)))));
    for (let i = 0; i < views.length; i++) {
      const o = this.q.outputs[i]!;
      dequantizeOutput(this.engine.i8View(this.arena + this.plan.outputs[i]!, views[i]!.length), n, o.shape, this.qp(o.quantized), views[i]!);
    }
    return views;
  }

  /** Runs the graph and returns copies of the int8 graph outputs (for tests and export). */
  runQuantized(x: Float32Array, n: number): Int8Array[] {
    this.quantize(x, n);
    this.execute(n);
    return this.int8Outputs(n);
  }

  /** Runs the graph on an already quantized input (int8, the graph's per-image layout: NHWC or [k]). */
  runInt8(x: Int8Array, n: number): Int8Array[] {
    this.checkBatch(n);
    const per = this.plan.bufferOf.get(this.q.input.quantized)!.bytesPerImage;
    if (x.length !== n * per) throw new Error(`input has ${x.length} values, expected ${n} x ${per}`);
    this.engine.i8View(this.arena + this.plan.input, x.length).set(x);
    this.execute(n);
    return this.int8Outputs(n);
  }

  /** Runs the steps on the input already in the arena; `time` (profiling) wraps each kernel call. */
  execute(n: number, time?: (step: Step, call: () => void) => void): void {
    this.executeSteps(n, 0, this.calls.length, time);
  }

  /** Runs steps [from, to) of the plan on the arena as it is (src/runtime/shared-prefix.ts resumes a model there). */
  executeSteps(n: number, from: number, to: number, time?: (step: Step, call: () => void) => void): void {
    this.checkBatch(n);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > this.calls.length || from > to) throw new Error(`steps [${from}, ${to}) are outside the plan's ${this.calls.length}`);
    const e = this.engine;
    for (let i = from; i < to; i++) {
      const c = this.calls[i]!;
      (c.params as Record<string, number>)[c.batchField] = n * c.perImage;
      if (time) time(this.plan.steps[i]!, () => e.run(c.kernel, c.params));
      else e.run(c.kernel, c.params);
    }
  }

  /** Quantizes float NCHW images into the arena's input slot. */
  quantize(x: Float32Array, n: number): void {
    this.checkBatch(n);
    const inPer = this.q.input.shape.reduce((p, d) => p * d, 1);
    quantizeInput(x, n, this.q.input.shape, this.q.input.q, this.engine.i8View(this.arena + this.plan.input, n * inPer));
  }

  /** The bytes of value `name` for n images in the arena (a view: valid until the engine next allocates). */
  valueBytes(name: string, n: number): Int8Array {
    this.checkBatch(n);
    const b = this.plan.bufferOf.get(name);
    if (!b) throw new Error(`'${this.q.name}' has no value '${name}'`);
    return this.engine.i8View(this.arena + b.offset, n * b.bytesPerImage);
  }

  protected checkBatch(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > this.maxBatch) throw new Error(`batch ${n} is outside 1..${this.maxBatch} planned for`);
  }

  private int8Outputs(n: number): Int8Array[] {
    return this.q.outputs.map((o, i) => this.engine.i8View(this.arena + this.plan.outputs[i]!, n * o.shape.reduce((p, d) => p * d, 1)).slice());
  }
}
