// Binds a planned kernel call to addresses: the step's input fields, output, packed weights and
// scratch pointers, and the batch. Shared by the executor and the single-layer runner.

import { KERNELS, type KernelName, type KernelParams } from '../engine/kernel-specs.js';
import type { LayerStep } from '../plan/layer-step.js';

export interface BoundCall {
  kernel: KernelName;
  params: KernelParams<KernelName>;
  /** the params field holding the batch (or the element count) */
  batchField: string;
  perImage: number;
}

export function bindCall(s: LayerStep, inputs: readonly number[], output: number, packed: number, scratch: number, n: number): BoundCall {
  const p: Record<string, number> = { ...(s.params as Record<string, number>) };
  s.inputFields.forEach((f, i) => (p[f] = inputs[i]!));
  p.output = output;
  if ('packed' in p) p.packed = packed;
  if ('scratch' in p) p.scratch = scratch;
  const batchField = KERNELS[s.kernel].batchField;
  p[batchField] = n * s.perImage;
  return { kernel: s.kernel, params: p as KernelParams<KernelName>, batchField, perImage: s.perImage };
}
