// Memory accounting, per layer and in total, in bits and bytes.
//
// Two conventions:
//   kernel weights only  the paper's: conv / fully-connected weight tensors alone, at 32 bits
//                        (float), 8 bits (int8) or the code width (power of two, packed);
//   whole model          everything in the packed .dq file: weights or codes, int32 biases,
//                        float32 weight scales, requantization multipliers and shifts, the graph
//                        description (value scales and zero points, shapes) and the header;
//                        equal to the file's size on disk by construction.
// Plus the wasm memory the integer executor holds at batch 1 (its plan's packed weights, scratch
// and activation arena, as allocated: src/runtime/q-executor.ts footprintOf).

import type { QGraph } from '../ir/qgraph.js';
import { writeQModel } from '../format/qmodel.js';
import { ALIGN, EXTRA_BYTES, plan, type Plan } from './planner.js';

export type WeightFormat = 'float32' | 'int8' | 'pot';

export interface LayerMemory {
  name: string;
  op: string;
  format: WeightFormat;
  /** kernel weights in this layer */
  weights: number;
  /** bits of the kernel weights in the layer's actual format */
  weightBits: number;
  codeBits: number;
}

export interface KernelWeightBits {
  float32: number;
  int8: number;
  actual: number;
}

export interface WholeModelBytes {
  /** the packed file: every byte, header included */
  total: number;
  kernelWeights: number;
  biases: number;
  scales: number;
  requant: number;
  /** header, section table, graph description, alignment */
  other: number;
}

export interface MemoryReport {
  layers: LayerMemory[];
  kernelWeightBits: KernelWeightBits;
  /** kernel weights only, against 8-bit, percent */
  savingVsInt8Pct: number;
  savingVsFloat32Pct: number;
  wholeModel: WholeModelBytes;
  /** the same model with every layer int8 (whole-model convention), for the saving */
  wholeModelInt8Bytes: number;
  wholeModelSavingVsInt8Pct: number;
  arenaBytes: number;
  /** packed weights the executor copies into wasm memory (kernel layouts, per-channel constants included) */
  packedWeightBytes: number;
  /** of which per-channel constants (bias', requantization) */
  packedConstantBytes: number;
  /** wasm memory the executor allocates at batch 1: weights + scratch + arena, padding included */
  executorBytes: { weights: number; scratch: number; arena: number; total: number };
}

/** Bytes one engine allocation of `bytes` takes (ALIGN-aligned, + EXTRA_BYTES). */
const allocation = (bytes: number) => Math.ceil((bytes + EXTRA_BYTES) / ALIGN) * ALIGN;

/** Wasm memory an executor of `p` allocates. */
export function executorBytes(p: Plan): MemoryReport['executorBytes'] {
  const weights = allocation(p.weights.length), scratch = allocation(p.scratchBytes), arena = allocation(p.arenaBytes);
  return { weights, scratch, arena, total: weights + scratch + arena };
}

export function layerMemory(q: QGraph): LayerMemory[] {
  const out: LayerMemory[] = [];
  for (const n of q.nodes) {
    if (n.op !== 'conv' && n.op !== 'gemm') continue;
    const bits = n.pot ? n.pot.bits : 8;
    out.push({ name: n.name, op: n.op, format: n.pot ? 'pot' : 'int8', weights: n.weights.length, weightBits: n.weights.length * bits, codeBits: bits });
  }
  return out;
}

/** The same graph with every power-of-two layer stored as int8 (sizes only). */
function int8Layout(q: QGraph): QGraph {
  return { ...q, nodes: q.nodes.map((n) => ((n.op === 'conv' || n.op === 'gemm') && n.pot ? { ...n, pot: undefined, weights: new Int8Array(n.weights.length) } : n)) };
}

export function memoryReport(q: QGraph, fileBytes?: Uint8Array): MemoryReport {
  const layers = layerMemory(q);
  const n = layers.reduce((s, l) => s + l.weights, 0);
  const kernelWeightBits = { float32: 32 * n, int8: 8 * n, actual: layers.reduce((s, l) => s + l.weightBits, 0) };
  const file = fileBytes ?? writeQModel(q);
  let kernelWeights = 0, biases = 0, scales = 0, requant = 0;
  for (const node of q.nodes) {
    if (node.op !== 'conv' && node.op !== 'gemm') continue;
    const pad = (b: number) => Math.ceil(b / 16) * 16; // each array is 16-byte aligned in the file
    kernelWeights += pad(node.pot ? Math.ceil((node.weights.length * node.pot.bits) / 8) : node.weights.length);
    biases += pad(4 * node.bias.length);
    scales += pad(4 * node.weightScale.length);
    requant += pad(4 * node.requant.mult.length) + pad(4 * node.requant.shift.length);
  }
  const p1 = plan(q, 1);
  const wholeModelInt8Bytes = layers.some((l) => l.format === 'pot') ? writeQModel(int8Layout(q)).length : file.length;
  return {
    layers,
    kernelWeightBits,
    savingVsInt8Pct: 100 * (1 - kernelWeightBits.actual / kernelWeightBits.int8),
    savingVsFloat32Pct: 100 * (1 - kernelWeightBits.actual / kernelWeightBits.float32),
    wholeModel: { total: file.length, kernelWeights, biases, scales, requant, other: file.length - kernelWeights - biases - scales - requant },
    wholeModelInt8Bytes,
    wholeModelSavingVsInt8Pct: 100 * (1 - file.length / wholeModelInt8Bytes),
    arenaBytes: p1.arenaBytes,
    packedWeightBytes: p1.weights.length,
    packedConstantBytes: p1.constantBytes,
    executorBytes: executorBytes(p1),
  };
}
