// A base model and variants of it that differ in a few layers (single-layer sensitivity: one
// layer each). Per batch the base runs step by step; at the first step where a variant differs,
// the values live there are copied by name from the base's arena into the variant's, and the
// variant runs only its remaining steps. The steps before are checked to be the same kernels
// with the same params, weights and value names, so every variant's outputs are the bytes a
// run of the variant alone gives; a variant that fails the check (other input quantization,
// a live value the base lacks) runs whole.

import type { Engine } from '../engine/engine.js';
import type { QGraph } from '../ir/qgraph.js';
import { runtimeBytes } from '../plan/memory-report.js';
import { plan, planArena, type Plan, type Step } from '../plan/planner.js';
import { QExecutor } from './q-executor.js';

/** Where a variant resumes: its first step that differs from the base's, and the values to copy there. */
export interface Resume {
  step: number;
  /** value names whose buffers are live at `step` (written before it, read at or after it, or graph outputs) */
  live: string[];
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null) => a === b || (a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]));
const sameList = (a: readonly (string | number)[], b: readonly (string | number)[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function sameStep(a: Step, b: Step, pa: Plan, pb: Plan): boolean {
  if (a.kernel !== b.kernel || a.perImage !== b.perImage || a.scratchBytes !== b.scratchBytes || a.unpackBytes !== b.unpackBytes) return false;
  if (!sameList(a.inputFields, b.inputFields) || !sameList(a.node.inputs, b.node.inputs) || !sameList(a.node.outputs, b.node.outputs)) return false;
  const x = a.params as Record<string, number>, y = b.params as Record<string, number>;
  const keys = Object.keys(x);
  if (!sameList(keys, Object.keys(y)) || keys.some((k) => x[k] !== y[k])) return false;
  const per = (p: Plan, names: readonly string[]) => names.map((n) => p.bufferOf.get(n)?.bytesPerImage ?? -1);
  return sameList(per(pa, [...a.node.inputs, ...a.node.outputs]), per(pb, [...b.node.inputs, ...b.node.outputs])) && sameBytes(a.packed, b.packed);
}

const nodeIndex = (q: QGraph, p: Plan, step: number) => (step < p.steps.length ? q.nodes.indexOf(p.steps[step]!.node) : q.nodes.length);

/** Where variant `v` can resume from the base after the base's first `step` steps, or null when it must run whole. */
export function resumePoint(base: QExecutor, v: QExecutor): Resume | null {
  const bq = base.q, vq = v.q, bp = base.plan, vp = v.plan;
  const bi = bq.values.get(bq.input.quantized), vi = vq.values.get(vq.input.quantized);
  if (bq.input.quantized !== vq.input.quantized || !sameList(bq.input.shape, vq.input.shape) || bq.input.q.scale !== vq.input.q.scale
    || bq.input.q.zeroPoint !== vq.input.q.zeroPoint || !bi || !vi || !sameList(bi.shape, vi.shape)) return null;
  let step = 0;
  while (step < bp.steps.length && step < vp.steps.length && sameStep(bp.steps[step]!, vp.steps[step]!, bp, vp)) step++;
  const at = nodeIndex(vq, vp, step), baseAt = nodeIndex(bq, bp, step);
  const nameOf = new Map<number, string>();
  for (const [name, b] of vp.bufferOf) if (!nameOf.has(b.id)) nameOf.set(b.id, name);
  const live: string[] = [];
  for (const b of vp.buffers) {
    if (b.first >= at || b.last < at) continue;
    const name = nameOf.get(b.id)!, bb = bp.bufferOf.get(name);
    // the base's copy must be intact when the base stands before its step `step`
    if (!bb || bb.bytesPerImage !== b.bytesPerImage || bb.first >= baseAt || bb.last < baseAt) return null;
    live.push(name);
  }
  return { step, live };
}

/** The executors of a base and its variants on one engine, and where each variant resumes. */
export class SharedPrefixRunner {
  readonly base: QExecutor;
  readonly variants: QExecutor[];
  readonly resumes: (Resume | null)[];
  /** base step -> the variants resuming before it */
  private readonly at: number[][];

  constructor(engine: Engine, base: QGraph, variants: readonly QGraph[], readonly maxBatch: number) {
    this.base = new QExecutor(base, engine, maxBatch);
    // the variants run one after another: one arena for all of them
    const bytes = variants.reduce((m, v) => Math.max(m, planArena(v, maxBatch).arenaBytes), 0);
    const arena = { ptr: engine.alloc(bytes), bytes };
    this.variants = variants.map((v) => new QExecutor(v, engine, maxBatch, { arena }));
    this.resumes = this.variants.map((v) => resumePoint(this.base, v));
    this.at = Array.from({ length: this.base.plan.steps.length + 1 }, () => []);
    this.resumes.forEach((r, i) => r && this.at[r.step]!.push(i));
  }

  /**
   * Runs the base and every variant on n float images; `sink(i, outputs)` receives variant i's
   * dequantized outputs (views reused by the next run), and the base's are returned.
   */
  run(x: Float32Array, n: number, sink: (variant: number, outputs: Float32Array[]) => void): Float32Array[] {
    const b = this.base, steps = b.plan.steps.length;
    b.quantize(x, n);
    for (let k = 0; k <= steps; k++) {
      for (const i of this.at[k]!) {
        const v = this.variants[i]!;
        for (const name of this.resumes[i]!.live) v.valueBytes(name, n).set(b.valueBytes(name, n));
        v.executeSteps(n, k, v.plan.steps.length);
        sink(i, v.readOutputs(n));
      }
      if (k < steps) b.executeSteps(n, k, k + 1);
    }
    this.resumes.forEach((r, i) => r === null && sink(i, this.variants[i]!.run(x, n)));
    return b.readOutputs(n);
  }
}

export interface SharedLogits {
  base: Float32Array;
  variants: Float32Array[];
}

/** Wasm memory for the variants' weights and scratch in one runner; more variants run in several passes over the images. */
export const SHARED_VARIANT_BYTES = 192 * 2 ** 20;

export interface SharedRunOptions {
  /** images per run (default 100) */
  maxBatch?: number;
  /** called after each batch with the images done (passes counted as fractions); awaited: a browser caller yields there */
  onBatch?: (done: number) => void | Promise<void>;
  /** the variants' weights and scratch one pass may hold (default SHARED_VARIANT_BYTES) */
  variantBytes?: number;
}

/**
 * First-output logits [count, classes] of the base and of each variant on `count` float images
 * (`images`: NCHW, `count` x the input's size), on engines from `engine()` (one per pass).
 */
export async function sharedPrefixLogits(engine: () => Promise<Engine>, images: Float32Array, count: number, base: QGraph, variants: readonly QGraph[],
  o: SharedRunOptions = {}): Promise<SharedLogits> {
  const per = base.input.shape.reduce((p, d) => p * d, 1);
  if (images.length !== count * per) throw new Error(`images have ${images.length} values, expected ${count} x ${per}`);
  const classesOf = (q: QGraph) => q.outputs[0]!.shape.reduce((p, d) => p * d, 1);
  const batch = Math.max(1, Math.min(o.maxBatch ?? 100, count));
  const out: SharedLogits = { base: new Float32Array(count * classesOf(base)), variants: variants.map((v) => new Float32Array(count * classesOf(v))) };
  const f = runtimeBytes(plan(base, 1));
  const chunk = Math.max(1, Math.floor((o.variantBytes ?? SHARED_VARIANT_BYTES) / (f.weights + f.constants + f.scratch)));
  const passes = Math.max(1, Math.ceil(variants.length / chunk));
  for (let c = 0; c < passes; c++) {
    const first = c * chunk, r = new SharedPrefixRunner(await engine(), base, variants.slice(first, first + chunk), batch);
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i);
      const b = r.run(images.subarray(i * per, (i + n) * per), n, (v, outs) => out.variants[first + v]!.set(outs[0]!, i * classesOf(variants[first + v]!)));
      if (c === 0) out.base.set(b[0]!, i * classesOf(base));
      await o.onBatch?.(Math.floor((c * count + i + n) / passes));
    }
  }
  return out;
}
