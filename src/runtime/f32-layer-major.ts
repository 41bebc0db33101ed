// A float pass over several chunks of images, layer-major: node 1 on every chunk, then node 2
// on every chunk, ... With a hook after each node that sees every chunk's tensors, it gives what
// one run over all images as a single batch gives (see batch-split.ts for when that holds) while
// each kernel call works on a chunk that stays in cache. Values die after their last reader
// (per chunk) and their buffers go back to the pool; the caller's pool should hold every live
// chunk tensor (a private pool, dropped after the pass) so buffers are refilled, never allocated.

import type { Graph, Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import type { F32Alloc } from '../ops/op.js';
import type { Engine } from '../engine/engine.js';
import { LiveBuffers, type F32BufferPool } from './f32-buffer-pool.js';
import { runF32Node } from './f32-executor.js';

export interface LayerMajorOptions {
  engine?: Engine;
  pool: F32BufferPool;
  /** Right after node i ran on chunk c (its tensors still in cache), valid during the call. */
  observeChunk?: (node: Node, c: number, outs: readonly Tensor[], ins: readonly (Tensor | undefined)[]) => void;
  /** After node i ran on every chunk: outs[c] / ins[c] are chunk c's tensors, valid during the call. */
  observe?: (node: Node, outs: readonly (readonly Tensor[])[], ins: readonly (readonly (Tensor | undefined)[])[]) => void;
  /** Relu / Clip may write over an input that dies at that node: the hook then must not read their inputs. */
  inPlace?: boolean;
}

const IN_PLACE = new Set(['Relu', 'Clip']);

/**
 * Runs `graphs[c]` on `feeds[c]` (the single input) for every chunk c, layer-major. The graphs
 * must have the same nodes (batch sizes may differ); `constants` replaces their constants (one
 * map for all chunks, so a hook may change a weight for the nodes after it). Returns nothing:
 * the float outputs of this pass are of no use to its callers. The tensors alive at once are
 * those of one batch of all chunks' images: callers check that (checkFloatMemory) on that graph.
 */
export function runLayerMajor(graphs: readonly Graph[], feeds: readonly Tensor[], constants: ReadonlyMap<string, Tensor>, o: LayerMajorOptions): void {
  const g0 = graphs[0]!, nodes = g0.nodes, input = g0.inputs[0]!.name;
  const lastUse = new Map<string, number>();
  nodes.forEach((n, i) => n.inputs.forEach((v) => v && lastUse.set(v, i)));
  const foreign = new Set<ArrayBufferLike>([...constants.values()].map((t) => t.data.buffer));
  for (const f of feeds) foreign.add(f.data.buffer);
  const env = feeds.map((f) => new Map<string, Tensor>([[input, f]]));
  const live = new LiveBuffers(o.pool, foreign);
  const take: F32Alloc = (len, zero) => o.pool.take(len, zero);
  const value = (e: Map<string, Tensor>, v: string) => (v ? constants.get(v) ?? e.get(v) : undefined);
  nodes.forEach((n0, i) => {
    const allIns: (Tensor | undefined)[][] = [], allOuts: Tensor[][] = [];
    graphs.forEach((g, c) => {
      const n = g.nodes[i]!, e = env[c]!, ins = n.inputs.map((v) => value(e, v));
      const x = ins[0];
      let alloc = take;
      if (o.inPlace && IN_PLACE.has(n.op) && x && x.data instanceof Float32Array && lastUse.get(n.inputs[0]!) === i
        && n.inputs.indexOf(n.inputs[0]!, 1) < 0 && live.sole(x.data)) alloc = live.overwriting(x.data);
      const outs = runF32Node(n, ins, o.engine, o.pool, alloc);
      n.outputs.forEach((v, k) => {
        e.set(v, outs[k]!);
        live.hold(outs[k]!);
      });
      o.observeChunk?.(n0, c, outs, ins);
      allIns.push(ins);
      allOuts.push(outs);
    });
    o.observe?.(n0, allOuts, allIns);
    env.forEach((e) => {
      for (const v of n0.inputs) if (v && lastUse.get(v) === i && e.has(v)) { live.drop(e.get(v)!); e.delete(v); }
      for (const v of n0.outputs) if (v && !lastUse.has(v) && e.has(v)) { live.drop(e.get(v)!); e.delete(v); }
    });
  });
  for (const e of env) for (const t of e.values()) live.drop(t);
}
