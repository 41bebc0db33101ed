// Runs a float Graph node by node with the reference ops. With a wasm Engine, Conv goes to
// the f32 conv kernel (same semantics, different summation order); without one, every op is
// the plain-loop oracle. Intermediate tensors are released after their last reader.

import { ModelError } from '../ir/errors.js';
import type { Graph, Node } from '../ir/graph.js';
import { checkFloatMemory } from '../ir/validate.js';
import { f32, shapeStr, type Tensor } from '../ir/tensor.js';
import { convGeometry, type ConvAttrs } from '../ops/conv.js';
import { OpError } from '../ops/op.js';
import { OPS } from '../ops/registry.js';
import type { Engine } from '../engine/engine.js';

export interface F32ExecutorOptions {
  /** Wasm engine for the convolutions; omit to run the plain TypeScript reference. */
  engine?: Engine;
  /** Called after each node with its output (calibration observers). */
  observe?: (node: Node, outputs: readonly Tensor[], inputs: readonly (Tensor | undefined)[]) => void;
}

export class F32Executor {
  private readonly lastUse = new Map<string, number>();

  constructor(readonly graph: Graph, private readonly opts: F32ExecutorOptions = {}) {
    checkFloatMemory(graph); // the tensors alive at once must fit the memory limit before any is made
    graph.nodes.forEach((n, i) => n.inputs.forEach((v) => v && this.lastUse.set(v, i)));
    for (const o of graph.outputs) this.lastUse.set(o.name, Infinity);
  }

  run(feeds: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
    const g = this.graph;
    const env = new Map<string, Tensor>(g.constants);
    for (const inp of g.inputs) {
      const t = feeds[inp.name];
      if (!t) throw new ModelError(`missing input '${inp.name}' (expected ${inp.dtype} ${shapeStr(inp.shape)})`);
      if (t.dtype !== inp.dtype || t.shape.length !== inp.shape.length || t.shape.some((d, i) => d !== inp.shape[i]))
        throw new ModelError(`input '${inp.name}' is ${t.dtype} ${shapeStr(t.shape)}, the graph expects ${inp.dtype} ${shapeStr(inp.shape)}`);
      env.set(inp.name, t);
    }
    g.nodes.forEach((n, i) => {
      const ins = n.inputs.map((v) => (v ? env.get(v) : undefined));
      let outs: Tensor[];
      try {
        outs = n.op === 'Conv' && this.opts.engine ? [this.conv(n as Node<ConvAttrs>, ins)] : OPS.get(n.op)!.run(ins, n.attrs);
      } catch (e) {
        if (e instanceof OpError) throw new ModelError(`node '${n.name}' (${n.op}): ${e.message}`);
        throw e;
      }
      n.outputs.forEach((o, k) => env.set(o, outs[k]!));
      this.opts.observe?.(n, outs, ins);
      for (const v of n.inputs) if (v && this.lastUse.get(v) === i && !g.constants.has(v)) env.delete(v);
    });
    const result: Record<string, Tensor> = {};
    for (const o of g.outputs) result[o.name] = env.get(o.name)!;
    return result;
  }

  private conv(n: Node<ConvAttrs>, [x, w, b]: (Tensor | undefined)[]): Tensor {
    const geo = convGeometry(x!, w!, n.attrs);
    const [padTop, padLeft, padBottom, padRight] = geo.pads;
    const y = this.opts.engine!.conv2dF32(x!.data as Float32Array, w!.data as Float32Array, (b?.data as Float32Array) ?? null, {
      n: geo.n, c: geo.c, h: geo.h, w: geo.w, m: geo.m, kh: geo.kh, kw: geo.kw,
      strideH: geo.strideH, strideW: geo.strideW, padTop, padLeft, padBottom, padRight,
      dilationH: geo.dilationH, dilationW: geo.dilationW, group: geo.group, oh: geo.oh, ow: geo.ow,
    });
    return f32([geo.n, geo.m, geo.oh, geo.ow], y);
  }
}
