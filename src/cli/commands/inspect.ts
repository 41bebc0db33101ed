import type { Command } from 'commander';
import type { Graph } from '../../ir/graph.js';
import type { QGraph } from '../../ir/qgraph.js';
import { summarize, summarizeQ, type LayerSummary } from '../../ops/summary.js';
import { importOnnx } from '../../onnx/import.js';
import { memoryReport, type KernelWeightBits, type RuntimeBytes, type WeightFormat, type WholeModelBytes } from '../../plan/memory-report.js';
import { planArena } from '../../plan/planner.js';
import { kernelsOf } from '../../plan/kernel-of.js';
import { quantizeInt8 } from '../../quant/quantize-int8.js';
import { loadAnyModel, weightsFlag, WEIGHTS_HELP } from '../io.js';
import { inspectHw } from './export-hw.js';
import { kernelWeightBytes, savedPct } from '../units.js';

export interface InspectLayer extends LayerSummary {
  format: WeightFormat;
  /** kernel weight bits in the layer's format (0 for layers without weights) */
  weightBits: number;
  /** .dq: bytes the integer executor keeps resident for the layer's weights (as its kernel reads them) */
  residentWeightBytes?: number;
  /** .dq: the wasm kernel that runs the layer in the weight form reported; null: none (a reshape) */
  kernel?: string | null;
  /** .dq: bytes of its per-channel constants (bias', requantization) beside them */
  residentConstantBytes?: number;
}

export interface InspectReport {
  model: string;
  /** as `eval` names it: int8+pot when some layers have power-of-two weights */
  kind: 'float32' | 'int8' | 'int8+pot';
  batch: number;
  /** .dq: the resident weight form the runtime figures are for (--weights) */
  weights?: 'compact' | 'fast';
  inputs: { name: string; dtype: string; shape: number[] }[];
  outputs: { name: string; dtype: string; shape: number[] }[];
  foldedBatchNorm: boolean;
  layers: InspectLayer[];
  totals: {
    params: number;
    macs: number;
    kernelWeightBits: KernelWeightBits;
    /** the model's kernel weights in bytes, rounded up per layer (src/cli/units.ts) */
    kernelWeightBytes: number;
    /** kernel weights only, percent saved vs 8-bit: positive = smaller; a float model is -300 */
    savingVsInt8Pct: number;
    savingVsFloat32Pct: number;
    wholeModelBytes: number;
    fileBytes: number;
    /** activation arena of the integer executor at batch 1; null when the model has no integer path */
    arenaBytes: number | null;
    /** .dq: wasm memory the integer executor holds at batch 1, by part (equal to the engine's allocation count) */
    runtimeBytes?: RuntimeBytes;
  };
  wholeModel?: WholeModelBytes & { int8Bytes: number; savingVsInt8Pct: number };
  potLayers: string[];
  /** why the model has no integer path, if it has none */
  integerUnsupported?: string;
}

/** Any range will do for planning: the arena depends on shapes only. */
function placeholderRanges(g: Graph): Map<string, { min: number; max: number }> {
  return new Map([...g.values.keys()].map((k) => [k, { min: -1, max: 1 }]));
}


export function inspectModel(path: string, foldBn: boolean, weights: 'compact' | 'fast' = 'compact'): InspectReport {
  const m = loadAnyModel(path);
  if (m.kind === 'quantized') {
    const q: QGraph = m.q;
    const mem = memoryReport(q, undefined, { weights });
    const byName = new Map(mem.layers.map((l) => [l.name, l]));
    const io = (name: string, shape: number[]) => ({ name, dtype: 'float32', shape: [1, ...shape] });
    const s = summarizeQ(q);
    const kernels = kernelsOf(q, { weights });
    return {
      model: path, kind: mem.layers.some((l) => l.format === 'pot') ? 'int8+pot' : 'int8', batch: 1, weights, inputs: [io(q.input.name, q.input.shape)], outputs: q.outputs.map((o) => io(o.name, o.shape)), foldedBatchNorm: true,
      layers: s.layers.map((l) => ({ ...l, format: byName.get(l.name)?.format ?? 'int8', weightBits: byName.get(l.name)?.weightBits ?? 0, ...(byName.has(l.name) ? { residentWeightBytes: byName.get(l.name)!.residentWeightBytes, residentConstantBytes: byName.get(l.name)!.residentConstantBytes } : {}), kernel: kernels.get(l.name) ?? null })),
      totals: { ...s.totals, kernelWeightBits: mem.kernelWeightBits, kernelWeightBytes: kernelWeightBytes(mem.layers), savingVsInt8Pct: mem.savingVsInt8Pct, savingVsFloat32Pct: mem.savingVsFloat32Pct,
        wholeModelBytes: mem.wholeModel.total, fileBytes: m.fileBytes, arenaBytes: mem.arenaBytes, runtimeBytes: mem.runtimeBytes },
      wholeModel: { ...mem.wholeModel, int8Bytes: mem.wholeModelInt8Bytes, savingVsInt8Pct: mem.wholeModelSavingVsInt8Pct },
      potLayers: mem.layers.filter((l) => l.format === 'pot').map((l) => l.name),
    };
  }
  const model = m.model;
  const batch = model.fixedBatch ?? 1;
  const folded = model.graphFor(batch);
  const g = foldBn ? folded : importOnnx(model.onnx, { batch });
  const io = (v: { name: string; dtype: string; shape: readonly number[] }) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] });
  const s = summarize(g);
  const kernelWeights = (name: string) => {
    const n = g.nodes.find((x) => x.name === name)!;
    if (n.op !== 'Conv' && n.op !== 'Gemm' && n.op !== 'MatMul') return 0;
    return g.constants.get(n.inputs[1]!)?.data.length ?? 0;
  };
  const layers = s.layers.map((l) => ({ ...l, format: 'float32' as const, weightBits: 32 * kernelWeights(l.name) }));
  const w = layers.reduce((a, l) => a + l.weightBits / 32, 0);
  let arenaBytes: number | null = null, integerUnsupported: string | undefined;
  try {
    arenaBytes = planArena(quantizeInt8(folded, placeholderRanges(folded)), 1).arenaBytes;
  } catch (e) {
    integerUnsupported = (e as Error).message;
  }
  return {
    model: path, kind: 'float32', batch, inputs: g.inputs.map(io), outputs: g.outputs.map(io), foldedBatchNorm: foldBn, layers,
    totals: { ...s.totals, kernelWeightBits: { float32: 32 * w, int8: 8 * w, actual: 32 * w }, kernelWeightBytes: kernelWeightBytes(layers), savingVsInt8Pct: savedPct(32, 8), savingVsFloat32Pct: 0,
      wholeModelBytes: m.fileBytes, fileBytes: m.fileBytes, arenaBytes },
    potLayers: [],
    ...(integerUnsupported ? { integerUnsupported } : {}),
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const bytes = (bits: number) => `${fmt(bits)} bits (${fmt(Math.ceil(bits / 8))} bytes)`;

export function formatInspect(r: InspectReport): string {
  const resident = r.kind !== 'float32';
  const quantized = r.kind !== 'float32';
  const rows = r.layers.map((l) => [l.name, l.op, `[${l.outputShape.join(',')}]`, fmt(l.params), fmt(l.macs), l.weightBits ? l.format : '', l.weightBits ? fmt(l.weightBits) : '',
    ...(resident ? [l.residentWeightBytes !== undefined ? fmt(l.residentWeightBytes) : ''] : []), ...(quantized ? [l.kernel ?? ''] : [])]);
  const head = ['layer', 'op', 'output', 'params', 'MACs/image', 'weights', 'weight bits', ...(resident ? ['resident B'] : []), ...(quantized ? ['kernel'] : [])];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const kernelCol = quantized ? head.length - 1 : -1;
  const line = (row: string[]) => row.map((c, i) => (i !== kernelCol && (i === 3 || i === 4 || i >= 6) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  const rt = r.totals.runtimeBytes;
  const io = (v: { name: string; dtype: string; shape: number[] }) => `${v.name} ${v.dtype}[${v.shape.join(',')}]`;
  const t = r.totals, k = t.kernelWeightBits;
  return [
    `model: ${r.model} (${r.kind})`,
    `inputs: ${r.inputs.map(io).join(', ')}   outputs: ${r.outputs.map(io).join(', ')}   (shapes at batch ${r.batch})`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `total: ${r.layers.length} layers, ${fmt(t.params)} parameters (${(t.params / 1e6).toFixed(2)} M), ${fmt(t.macs)} MACs per image (${(t.macs / 1e6).toFixed(2)} M)${r.foldedBatchNorm && r.kind === 'float32' ? ', BatchNorm folded' : ''}`,
    r.kind === 'float32'
      ? `kernel weights only: float32 ${bytes(k.float32)}; as int8 ${bytes(k.int8)}, ${savedPct(k.int8, k.float32).toFixed(2)} % saved vs float32 (quantize to get it)`
      : `kernel weights only: float32 ${bytes(k.float32)}, int8 ${bytes(k.int8)}, this model ${fmt(k.actual)} bits (${fmt(t.kernelWeightBytes)} bytes): ` +
        `${t.savingVsInt8Pct.toFixed(2)} % saved vs 8-bit, ${t.savingVsFloat32Pct.toFixed(2)} % saved vs float32` +
        (r.potLayers.length ? ` (${r.potLayers.length} power-of-two layers)` : ''),
    r.wholeModel
      ? `whole model: ${fmt(r.wholeModel.total)} bytes = ${fmt(r.wholeModel.kernelWeights)} weights/codes + ${fmt(r.wholeModel.biases)} biases + ${fmt(r.wholeModel.scales)} weight scales + ` +
        `${fmt(r.wholeModel.requant)} requantization + ${fmt(r.wholeModel.other)} header, graph, zero points, alignment; on disk ${fmt(t.fileBytes)} bytes; ` +
        `all-int8 equivalent ${fmt(r.wholeModel.int8Bytes)} bytes (${r.wholeModel.savingVsInt8Pct.toFixed(2)} % saved)`
      : `whole model: ${fmt(t.fileBytes)} bytes on disk (ONNX)`,
    t.arenaBytes !== null
      ? `integer executor: activation arena ${fmt(t.arenaBytes)} bytes at batch 1${r.kind === 'float32' ? ' (after quantization)' : ''}`
      : `integer executor: not available: ${r.integerUnsupported}`,
    ...(rt ? [`runtime memory at batch 1 (--weights ${r.weights}): ${fmt(rt.total)} bytes = ${fmt(rt.weights)} weights + ${fmt(rt.constants)} per-channel constants + ${fmt(rt.scratch)} scratch + ${fmt(rt.arena)} arena (wasm memory the executor allocates)`] : []),
  ].join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('layers with op, output shape, parameters, MACs and weight format; memory in both conventions; the activation arena')
    .argument('<model>', 'model file (.onnx or .dq)')
    .option('--fold-bn', 'show the graph after folding BatchNormalization into Conv')
    .option('--hw', 'hardware cost report of a .dq model: accumulator widths, shifters, ROM bits (src/hw/hw-report.ts)')
    .option('--weights <form>', `.dq: runtime memory for this ${WEIGHTS_HELP.replace(' of the integer executor', '')}`, 'compact')
    .option('--json', 'print one JSON object on stdout')
    .action((model: string, o: { foldBn?: boolean; json?: boolean; hw?: boolean; weights?: string }) => {
      const weights = weightsFlag(o.weights);
      if (o.hw) return void process.stdout.write(inspectHw(model, !!o.json) + '\n');
      const r = inspectModel(model, !!o.foldBn, weights);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : formatInspect(r) + '\n');
    });
}
