// QGraph -> Plan: the kernel calls in order (kernel, params, packed weights, arena slots), one
// activation arena, one weight region and one scratch region. The executor only runs a Plan.
// Liveness: each buffer lives from the step that writes it to the last step that reads it
// (reshapes alias their input's buffer). Offsets: greedy by size (largest first, lowest
// offset that does not overlap a buffer whose lifetime intersects), as XNNPACK's and
// TFLite's arena planners do. Every buffer is 16-byte aligned and padded by EXTRA_BYTES,
// so kernels may read (never write) up to 16 bytes past a buffer's end.

import { LIMITS, limitMessage, withinLimit } from '../core/limits.js';
import { ALIGN, EXTRA_BYTES } from '../engine/heap.js';
import { ModelError } from '../ir/errors.js';
import type { KernelName } from '../engine/kernel-specs.js';
import type { QGraph, QNode } from '../ir/qgraph.js';
import { DEFAULT_WEIGHT_FORM, layerStep, potKernelsOf, type Int8Form, type LayerStep, type PotKernels, type WeightForm } from './layer-step.js';

export { ALIGN, EXTRA_BYTES };
export type { Int8Form, PotKernels, WeightForm };

export interface Buffer {
  id: number;
  /** bytes per image */
  bytesPerImage: number;
  first: number;
  last: number;
  /** byte offset inside the arena, for the planned batch */
  offset: number;
  /** bytes reserved in the arena for the planned batch (aligned, padded) */
  size: number;
}

export interface Step<K extends KernelName = KernelName> extends LayerStep<K> {
  node: QNode;
  inputs: number[]; // arena byte offsets
  output: number;
  /** this step's packed weights inside Plan.weights, or null */
  weights: { offset: number; bytes: number } | null;
}

export interface PlanOptions {
  /** resident weight form (default compact); `potKernels` overrides it for power-of-two layers */
  weights?: WeightForm;
  potKernels?: PotKernels;
  /** how int8 layers are resident and read (src/plan/layer-step.ts Int8Form; benchmarks compare the forms in one run) */
  int8Form?: Int8Form;
  /**
   * Steps a buffer's bytes stay unused after its last read (default 0). The parallel executor
   * plans with 1: no step then writes where the step before it read, so a step can share that
   * step's phase (a residual Add's output would else take its conv's input: a barrier each).
   */
  reuseDelay?: number;
}

export interface Plan {
  batch: number;
  steps: Step[];
  /** arena byte offset of the quantized graph input and each graph output */
  input: number;
  outputs: number[];
  buffers: Buffer[];
  /** value name -> buffer */
  bufferOf: Map<string, Buffer>;
  arenaBytes: number;
  /** every step's packed weights, each at an ALIGN-aligned offset */
  weights: Uint8Array;
  /** bytes of `weights` that are per-channel constants (block / record headers) */
  constantBytes: number;
  /** one scratch region shared by every step: the largest row buffer / panel any step needs, then (at unpackOffset) the largest unpacked weights */
  scratchBytes: number;
  unpackOffset: number;
  potKernels: PotKernels;
}

const alignUp = (v: number) => Math.ceil(v / ALIGN) * ALIGN;

/** The activation arena alone (shapes only: no weights are packed or validated). */
export function planArena(q: QGraph, batch: number, reuseDelay = 0): Pick<Plan, 'batch' | 'input' | 'outputs' | 'buffers' | 'bufferOf' | 'arenaBytes'> {
  if (!withinLimit('batch', batch)) throw new ModelError(limitMessage('batch', batch, 'batch'));
  const bufferOf = new Map<string, Buffer>();
  const buffers: Buffer[] = [];
  const create = (name: string, step: number) => {
    const v = q.values.get(name);
    if (!v) throw new Error(`plan: value '${name}' has no quantization parameters`);
    const b: Buffer = { id: buffers.length, bytesPerImage: v.shape.reduce((p, d) => p * d, 1), first: step, last: step, offset: 0, size: 0 };
    buffers.push(b);
    bufferOf.set(name, b);
  };
  create(q.input.quantized, -1);
  q.nodes.forEach((n, i) => {
    for (const inp of n.inputs) {
      const b = bufferOf.get(inp);
      if (!b) throw new Error(`plan: node '${n.name}' reads '${inp}' before it is written`);
      b.last = Math.max(b.last, i);
    }
    if (n.op === 'reshape') bufferOf.set(n.outputs[0]!, bufferOf.get(n.inputs[0]!)!);
    else create(n.outputs[0]!, i);
  });
  for (const o of q.outputs) bufferOf.get(o.quantized)!.last = q.nodes.length;

  for (const b of buffers) b.size = alignUp(b.bytesPerImage * batch + EXTRA_BYTES);
  const placed: Buffer[] = [];
  for (const b of [...buffers].sort((x, y) => y.size - x.size || x.first - y.first)) {
    const clash = placed.filter((p) => p.first <= b.last + reuseDelay && b.first <= p.last + reuseDelay).sort((x, y) => x.offset - y.offset);
    let offset = 0;
    for (const p of clash) {
      if (offset + b.size <= p.offset) break;
      offset = Math.max(offset, p.offset + p.size);
    }
    b.offset = offset;
    placed.push(b);
  }
  const arenaBytes = buffers.reduce((m, b) => Math.max(m, b.offset + b.size), 0);
  // memory is planned before anything is allocated: the arena alone first, then with weights and scratch
  const tooBig = (bytes: number, what: string): never => {
    throw new ModelError(`'${q.name}' at batch ${batch} needs ${(bytes / 2 ** 20).toFixed(0)} MiB of ${what}, more than the ${LIMITS.memoryBytes.hi / 2 ** 20} MiB limit (memoryBytes): use a smaller batch`);
  };
  if (arenaBytes > LIMITS.memoryBytes.hi) tooBig(arenaBytes, 'activation memory');
  const off = (name: string) => bufferOf.get(name)!.offset;
  return { batch, input: off(q.input.quantized), outputs: q.outputs.map((o) => off(o.quantized)), buffers, bufferOf, arenaBytes };
}

export function plan(q: QGraph, batch: number, opts: PlanOptions = {}): Plan {
  const potKernels = opts.potKernels ?? potKernelsOf(opts.weights ?? DEFAULT_WEIGHT_FORM);
  // fast: every layer in its fastest measured form (int8 as int16, PoT as shift-add tap lists)
  const int8Form = opts.int8Form ?? ((opts.weights ?? DEFAULT_WEIGHT_FORM) === 'fast' ? 'int16' : undefined);
  const reuseDelay = opts.reuseDelay ?? 0;
  if (!Number.isInteger(reuseDelay) || reuseDelay < 0) throw new Error(`plan: reuseDelay must be an integer >= 0, got ${reuseDelay}`);
  const arena = planArena(q, batch, reuseDelay);
  const off = (name: string) => arena.bufferOf.get(name)!.offset;
  const qp = (name: string) => {
    const v = q.values.get(name);
    if (!v) throw new Error(`plan: value '${name}' has no quantization parameters`);
    return v.q;
  };
  const steps: Step[] = [];
  let weightBytes = 0, constantBytes = 0, scratchBytes = 0, unpackBytes = 0;
  for (const node of q.nodes) {
    const s = layerStep(node, qp, potKernels, int8Form);
    if (s === null) continue;
    const weights = s.packed === null ? null : { offset: weightBytes, bytes: s.packed.length };
    if (s.packed !== null) weightBytes = alignUp(weightBytes + s.packed.length);
    constantBytes += s.constantBytes;
    scratchBytes = Math.max(scratchBytes, s.scratchBytes);
    unpackBytes = Math.max(unpackBytes, s.unpackBytes);
    steps.push({ ...s, node, inputs: node.inputs.map(off), output: off(node.outputs[0]!), weights });
  }
  const total = arena.arenaBytes + weightBytes + scratchBytes + unpackBytes;
  if (total > LIMITS.memoryBytes.hi) {
    throw new ModelError(`'${q.name}' at batch ${batch} needs ${(total / 2 ** 20).toFixed(0)} MiB of activations, packed weights and scratch, more than the ${LIMITS.memoryBytes.hi / 2 ** 20} MiB limit (memoryBytes): use a smaller batch`);
  }
  const blob = new Uint8Array(weightBytes);
  for (const s of steps) if (s.weights) blob.set(s.packed!, s.weights.offset);
  return {
    ...arena, steps,
    weights: blob, constantBytes, scratchBytes: unpackBytes === 0 ? scratchBytes : alignUp(scratchBytes) + unpackBytes, unpackOffset: alignUp(scratchBytes), potKernels,
  };
}
