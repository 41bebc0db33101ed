// Runs a float Graph node by node with the reference ops. With a wasm Engine, Conv goes to
// the f32 conv kernel (same semantics, different summation order) and Clip/Relu to their wasm
// kernels (same bytes); without one, every op is the plain-loop oracle. Float activation
// buffers come from a buffer pool and go back to it after their last reader (fresh memory is
// what a float pass spent its time on, see f32-buffer-pool.ts).
// Ownership: the tensors run() returns belong to the caller (never given back to the pool); the
// tensors an `observe` hook sees are valid only during that call (their buffers are reused later).

import { ModelError } from '../ir/errors.js';
import type { Graph, Node } from '../ir/graph.js';
import { checkFloatMemory } from '../ir/validate.js';
import { f32, shapeStr, type Tensor } from '../ir/tensor.js';
import { clipBounds, type ClipAttrs } from '../ops/clip.js';
import { convGeometry, type ConvAttrs } from '../ops/conv.js';
import { OpError, type F32Alloc } from '../ops/op.js';
import { OPS } from '../ops/registry.js';
import type { Engine } from '../engine/engine.js';
import { LiveBuffers, SHARED_F32_POOL, type F32BufferPool } from './f32-buffer-pool.js';

export interface F32ExecutorOptions {
  /** Wasm engine for the convolutions; omit to run the plain TypeScript reference. */
  engine?: Engine;
  /** Called after each node with its output (calibration observers). The tensors are valid
   *  only during the call: keep a copy, not the tensor. */
  observe?: (node: Node, outputs: readonly Tensor[], inputs: readonly (Tensor | undefined)[]) => void;
  /** Where activation buffers come from; default the process-wide pool. */
  pool?: F32BufferPool;
}

/** Elementwise ops that may write their output over their input (each element read before written). */
const IN_PLACE = new Set(['Relu', 'Clip']);

export class F32Executor {
  private readonly lastUse = new Map<string, number>();
  private readonly pool: F32BufferPool;

  constructor(readonly graph: Graph, private readonly opts: F32ExecutorOptions = {}) {
    checkFloatMemory(graph); // the tensors alive at once must fit the memory limit before any is made
    graph.nodes.forEach((n, i) => n.inputs.forEach((v) => v && this.lastUse.set(v, i)));
    for (const o of graph.outputs) this.lastUse.set(o.name, Infinity);
    this.pool = opts.pool ?? SHARED_F32_POOL;
  }

  run(feeds: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
    const g = this.graph;
    const env = new Map<string, Tensor>(g.constants);
    const foreign = new Set<ArrayBufferLike>(); // buffers of constants and feeds: never pooled
    for (const t of g.constants.values()) foreign.add(t.data.buffer);
    for (const inp of g.inputs) {
      const t = feeds[inp.name];
      if (!t) throw new ModelError(`missing input '${inp.name}' (expected ${inp.dtype} ${shapeStr(inp.shape)})`);
      if (t.dtype !== inp.dtype || t.shape.length !== inp.shape.length || t.shape.some((d, i) => d !== inp.shape[i]))
        throw new ModelError(`input '${inp.name}' is ${t.dtype} ${shapeStr(t.shape)}, the graph expects ${inp.dtype} ${shapeStr(inp.shape)}`);
      env.set(inp.name, t);
      foreign.add(t.data.buffer);
    }
    const live = new LiveBuffers(this.pool, foreign);
    const take: F32Alloc = (n, zero) => this.pool.take(n, zero);
    g.nodes.forEach((n, i) => {
      const ins = n.inputs.map((v) => (v ? env.get(v) : undefined));
      const outs = runF32Node(n, ins, this.opts.engine, this.pool, this.inPlace(n, i, ins[0], live) ?? take);
      n.outputs.forEach((o, k) => {
        env.set(o, outs[k]!);
        live.hold(outs[k]!);
      });
      this.opts.observe?.(n, outs, ins);
      for (const v of n.inputs) {
        if (v && this.lastUse.get(v) === i && !g.constants.has(v) && env.has(v)) {
          live.drop(env.get(v)!);
          env.delete(v);
        }
      }
      for (const o of n.outputs) if (o && !this.lastUse.has(o)) { live.drop(env.get(o)!); env.delete(o); } // read by nobody
    });
    const result: Record<string, Tensor> = {};
    for (const o of g.outputs) result[o.name] = env.get(o.name)!;
    return result;
  }

  /** Relu / Clip write over their input when it dies here and nothing else sees it (no observe hook). */
  private inPlace(n: Node, i: number, x: Tensor | undefined, live: LiveBuffers): F32Alloc | undefined {
    if (this.opts.observe || !IN_PLACE.has(n.op) || !x || !(x.data instanceof Float32Array)) return undefined;
    if (this.lastUse.get(n.inputs[0]!) !== i || n.inputs.indexOf(n.inputs[0]!, 1) > 0 || !live.sole(x.data)) return undefined;
    return live.overwriting(x.data);
  }
}

/** One node: Conv on the engine's f32 kernel when there is one, else the reference op with `alloc`. */
export function runF32Node(n: Node, ins: readonly (Tensor | undefined)[], engine: Engine | undefined, pool: F32BufferPool, alloc: F32Alloc): Tensor[] {
  try {
    if (n.op === 'Conv' && engine) return [conv(n as Node<ConvAttrs>, ins, engine, pool)];
    const x = ins[0];
    if (engine && (n.op === 'Clip' || n.op === 'Relu') && x?.data instanceof Float32Array) {
      // the wasm kernels give the ops' own bytes (test/kernels/f32-vclamp-vrelu.test.ts) at ~1/8 the cost
      const y = alloc(x.data.length, false);
      if (n.op === 'Relu') return [f32(x.shape, engine.reluF32(x.data, y))];
      const [lo, hi] = clipBounds(n.attrs as ClipAttrs, ins[1], ins[2]);
      return [f32(x.shape, engine.clampF32(x.data, lo, hi, y))];
    }
    return OPS.get(n.op)!.run(ins, n.attrs, alloc);
  } catch (e) {
    if (e instanceof OpError) throw new ModelError(`node '${n.name}' (${n.op}): ${e.message}`);
    throw e;
  }
}

function conv(n: Node<ConvAttrs>, [x, w, b]: readonly (Tensor | undefined)[], engine: Engine, pool: F32BufferPool): Tensor {
  const geo = convGeometry(x!, w!, n.attrs);
  const [padTop, padLeft, padBottom, padRight] = geo.pads;
  const out = pool.take(geo.n * geo.m * geo.oh * geo.ow, false); // conv2dF32 writes every element
  const y = engine.conv2dF32(x!.data as Float32Array, w!.data as Float32Array, (b?.data as Float32Array) ?? null, {
    n: geo.n, c: geo.c, h: geo.h, w: geo.w, m: geo.m, kh: geo.kh, kw: geo.kw,
    strideH: geo.strideH, strideW: geo.strideW, padTop, padLeft, padBottom, padRight,
    dilationH: geo.dilationH, dilationW: geo.dilationW, group: geo.group, oh: geo.oh, ow: geo.ow,
  }, out);
  return f32([geo.n, geo.m, geo.oh, geo.ow], y);
}
