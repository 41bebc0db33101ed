// The memory table of a model: per weight layer its format, kernel-weight bits, bytes in the
// file and bytes resident in wasm memory once the integer executor has packed it; totals in
// the conventions of src/plan/memory-report.ts (kernel weights only, whole file, arena).

import { DataError } from '../data/dataset.js';
import type { QGraph, QNode } from '../ir/qgraph.js';
import { memoryReport, type RuntimeBytes, type WeightFormat } from '../plan/memory-report.js';
import type { WeightForm } from '../plan/layer-step.js';
import { kernelsOf } from '../plan/kernel-of.js';
import type { Model } from './model.js';

export interface LayerMemoryRow {
  name: string;
  op: string;
  format: WeightFormat;
  weights: number;
  /** kernel weights in the layer's format */
  kernelBits: number;
  /** bytes this layer takes in the .dq file: codes or weights, bias, scales, requantization, each 16-byte aligned */
  fileBytes: number;
  /** bytes the integer executor keeps in wasm memory for the layer (packed weights, bias, requantization); null for a float model */
  residentBytes: number | null;
  /** the wasm kernel that runs the layer (default weight form); null for a float model */
  kernel: string | null;
}

export interface MemoryTable {
  kind: 'float' | 'quantized';
  layers: LayerMemoryRow[];
  totals: {
    kernelBits: { float32: number; int8: number; actual: number };
    /** kernel weights only, against 8-bit, percent (positive = saved) */
    savingVsInt8Pct: number;
    /** the whole file (.dq, or the .onnx for a float model) */
    fileBytes: number;
    /** wasm memory the integer executor holds at batch 1 (weights, constants, scratch, arena: src/plan/memory-report.ts runtimeBytes); null for a float model */
    residentBytes: number | null;
    /** the same by part (weights, constants, scratch, arena, total); null for a float model */
    runtimeBytes: RuntimeBytes | null;
    /** activation arena of the integer executor at batch 1; null for a float model */
    arenaBytes: number | null;
  };
}

const pad = (b: number) => Math.ceil(b / 16) * 16;

function layerFileBytes(n: Extract<QNode, { op: 'conv' | 'gemm' }>): number {
  const w = n.pot ? Math.ceil((n.weights.length * n.pot.bits) / 8) : n.weights.length;
  return pad(w) + pad(4 * n.bias.length) + pad(4 * n.weightScale.length) + pad(4 * n.requant.mult.length) + pad(4 * n.requant.shift.length);
}

export interface InspectOptions {
  /** the resident weight form the runtime figures are for (default 'compact'; as run()'s `weights`) */
  weights?: WeightForm;
}

export async function inspect(model: Model, o: InspectOptions = {}): Promise<MemoryTable> {
  const weights = o.weights ?? 'compact';
  if (weights !== 'compact' && weights !== 'fast') throw new DataError(`inspect: weights must be 'compact' or 'fast', got '${String(o.weights)}'`);
  if (model.kind === 'float') {
    const g = model.float.graphFor(model.float.fixedBatch ?? 1);
    const layers: LayerMemoryRow[] = g.nodes.filter((n) => n.op === 'Conv' || n.op === 'Gemm' || n.op === 'MatMul').map((n) => {
      const w = g.constants.get(n.inputs[1]!)?.data.length ?? 0;
      return { name: n.name, op: n.op, format: 'float32', weights: w, kernelBits: 32 * w, fileBytes: 4 * w, residentBytes: null, kernel: null };
    });
    const w = layers.reduce((s, l) => s + l.weights, 0);
    return { kind: 'float', layers, totals: { kernelBits: { float32: 32 * w, int8: 8 * w, actual: 32 * w }, savingVsInt8Pct: -300, fileBytes: model.fileBytes, residentBytes: null, runtimeBytes: null, arenaBytes: null } };
  }
  const q = model.q;
  const mem = memoryReport(q, undefined, { weights });
  const nodes = new Map(q.nodes.map((n) => [n.name, n]));
  const kernels = kernelsOf(q, { weights });
  const layers = mem.layers.map((l): LayerMemoryRow => ({
    name: l.name, op: l.op, format: l.format, weights: l.weights, kernelBits: l.weightBits,
    fileBytes: layerFileBytes(nodes.get(l.name) as Extract<QNode, { op: 'conv' | 'gemm' }>), residentBytes: l.residentWeightBytes + l.residentConstantBytes,
    kernel: kernels.get(l.name) ?? null,
  }));
  return {
    kind: 'quantized', layers,
    totals: { kernelBits: mem.kernelWeightBits, savingVsInt8Pct: mem.savingVsInt8Pct, fileBytes: mem.wholeModel.total, residentBytes: mem.runtimeBytes.total, runtimeBytes: mem.runtimeBytes, arenaBytes: mem.arenaBytes },
  };
}
