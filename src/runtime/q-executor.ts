// Runs a QGraph on the wasm integer kernels. At construction: weights are packed once and one
// activation arena (src/plan/planner.ts) is allocated for `maxBatch` images. run() quantizes
// the input into the arena, calls the kernels in plan order, dequantizes the outputs into
// preallocated arrays: it allocates nothing and never grows wasm memory.

import type { QGraph, QNode, QParams } from '../ir/qgraph.js';
import { plan, type Plan } from '../plan/planner.js';
import { dequantizeOutput, quantizeInput } from './edges.js';
import type { Engine } from './kernels.js';

type Packed = ReturnType<Engine['packConv']> | ReturnType<Engine['packGemm']> | ReturnType<Engine['packPotConv']> | ReturnType<Engine['packPotGemm']>;

export interface QExecutorOptions {
  /** Power-of-two layers on the shift-add kernels (default) or on the int8 kernels with decoded weights (same bytes). */
  potKernels?: 'shift-add' | 'int8';
}

export class QExecutor {
  readonly plan: Plan;
  private readonly arena: number;
  private readonly packed = new Map<QNode, Packed>();
  private readonly outputs: Float32Array[];
  /** output views per batch size, made once so run() allocates nothing in steady state */
  private readonly views = new Map<number, Float32Array[]>();

  private readonly shiftAdd: boolean;

  constructor(readonly q: QGraph, private readonly engine: Engine, readonly maxBatch = 1, opts: QExecutorOptions = {}) {
    this.plan = plan(q, maxBatch);
    this.shiftAdd = (opts.potKernels ?? 'shift-add') === 'shift-add';
    for (const s of this.plan.steps) {
      const n = s.node;
      const xq = this.qp(n.inputs[0]!);
      if (n.op === 'conv') this.packed.set(n, n.pot && this.shiftAdd ? engine.packPotConv(n, xq) : engine.packConv(n, xq));
      if (n.op === 'gemm') this.packed.set(n, n.pot && this.shiftAdd ? engine.packPotGemm(n, xq) : engine.packGemm(n, xq));
    }
    this.arena = engine.alloc(this.plan.arenaBytes);
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
    this.execute(x, n);
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
    this.execute(x, n);
    return this.q.outputs.map((o, i) => this.engine.i8View(this.arena + this.plan.outputs[i]!, n * o.shape.reduce((p, d) => p * d, 1)).slice());
  }

  private execute(x: Float32Array, n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > this.maxBatch) throw new Error(`batch ${n} is outside 1..${this.maxBatch} planned for`);
    const e = this.engine, a = this.arena;
    const inPer = this.q.input.shape.reduce((p, d) => p * d, 1);
    quantizeInput(x, n, this.q.input.shape, this.q.input.q, e.i8View(a + this.plan.input, n * inPer));
    for (const s of this.plan.steps) {
      const node = s.node;
      const x0 = a + s.inputs[0]!, y = a + s.output;
      switch (node.op) {
        case 'conv':
          if (node.pot && this.shiftAdd) e.potConv(this.packed.get(node) as ReturnType<Engine['packPotConv']>, x0, y, n, this.qp(node.inputs[0]!), this.qp(node.outputs[0]!));
          else e.conv(this.packed.get(node) as ReturnType<Engine['packConv']>, x0, y, n, this.qp(node.inputs[0]!), this.qp(node.outputs[0]!));
          break;
        case 'gemm':
          if (node.pot && this.shiftAdd) e.potGemm(this.packed.get(node) as ReturnType<Engine['packPotGemm']>, x0, y, n, this.qp(node.inputs[0]!), this.qp(node.outputs[0]!));
          else e.gemm(this.packed.get(node) as ReturnType<Engine['packGemm']>, x0, y, n, this.qp(node.inputs[0]!), this.qp(node.outputs[0]!));
          break;
        case 'add': e.add(node, x0, a + s.inputs[1]!, y, n, this.qp(node.inputs[0]!), this.qp(node.inputs[1]!), this.qp(node.outputs[0]!)); break;
        case 'gavgpool': e.gavgpool(node, x0, y, n, this.qp(node.inputs[0]!), this.qp(node.outputs[0]!)); break;
        case 'maxpool': e.maxpool(node, x0, y, n); break;
        case 'strided-copy': e.stridedCopy(node, x0, y, n); break;
        case 'to-nchw': e.toNchw(node, x0, y, n); break;
        case 'reshape': break;
      }
    }
  }
}
