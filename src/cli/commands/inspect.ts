import type { Command } from 'commander';
import type { Graph } from '../../ir/graph.js';
import type { QGraph } from '../../ir/qgraph.js';
import { summarize, summarizeQ, type GraphSummary } from '../../ir/summary.js';
import { importOnnx } from '../../onnx/import.js';
import { plan } from '../../plan/planner.js';
import { quantizeInt8 } from '../../quant/quantize-int8.js';
import { loadAnyModel } from '../io.js';

export interface InspectReport extends GraphSummary {
  model: string;
  kind: 'float32' | 'int8';
  batch: number;
  inputs: { name: string; dtype: string; shape: number[] }[];
  outputs: { name: string; dtype: string; shape: number[] }[];
  foldedBatchNorm: boolean;
  /** Activation arena of the integer executor at batch 1 (bytes), or why the model has no integer path. */
  integer: { arenaBytes: number } | { unsupported: string };
}

/** Arena of the integer plan; for a float graph, planned on a placeholder quantization (shapes only). */
function integerArena(quantized: () => QGraph): InspectReport['integer'] {
  try {
    return { arenaBytes: plan(quantized(), 1).arenaBytes };
  } catch (e) {
    return { unsupported: (e as Error).message };
  }
}

/** Any range will do for planning: the arena depends on shapes only. */
function placeholderRanges(g: Graph): Map<string, { min: number; max: number }> {
  return new Map([...g.values.keys()].map((k) => [k, { min: -1, max: 1 }]));
}

export function inspectModel(path: string, foldBn: boolean): InspectReport {
  const m = loadAnyModel(path);
  if (m.kind === 'quantized') {
    const q = m.q;
    const io = (name: string, shape: number[]) => ({ name, dtype: 'float32', shape: [1, ...shape] });
    return { model: path, kind: 'int8', batch: 1, inputs: [io(q.input.name, q.input.shape)], outputs: q.outputs.map((o) => io(o.name, o.shape)),
      foldedBatchNorm: true, ...summarizeQ(q), integer: integerArena(() => q) };
  }
  const model = m.model;
  const batch = model.fixedBatch ?? 1;
  const folded = model.graphFor(batch);
  const g = foldBn ? folded : importOnnx(model.onnx, { batch });
  const io = (v: { name: string; dtype: string; shape: readonly number[] }) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] });
  return { model: path, kind: 'float32', batch, inputs: g.inputs.map(io), outputs: g.outputs.map(io), foldedBatchNorm: foldBn, ...summarize(g), integer: integerArena(() => quantizeInt8(folded, placeholderRanges(folded))) };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatInspect(r: InspectReport): string {
  const rows = r.layers.map((l) => [l.name, l.op, `[${l.outputShape.join(',')}]`, fmt(l.params), fmt(l.macs)]);
  const head = ['layer', 'op', 'output', 'params', 'MACs/image'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i >= 3 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ');
  const io = (v: { name: string; dtype: string; shape: number[] }) => `${v.name} ${v.dtype}[${v.shape.join(',')}]`;
  return [
    `model: ${r.model} (${r.kind})`,
    `inputs: ${r.inputs.map(io).join(', ')}   outputs: ${r.outputs.map(io).join(', ')}   (shapes at batch ${r.batch})`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `total: ${r.layers.length} layers, ${fmt(r.totals.params)} parameters (${(r.totals.params / 1e6).toFixed(2)} M), ${fmt(r.totals.macs)} MACs per image (${(r.totals.macs / 1e6).toFixed(2)} M)${r.foldedBatchNorm && r.kind === 'float32' ? ', BatchNorm folded' : ''}`,
    'arenaBytes' in r.integer
      ? `integer executor: activation arena ${fmt(r.integer.arenaBytes)} bytes at batch 1${r.kind === 'float32' ? ' (after quantization)' : ''}`
      : `integer executor: not available: ${r.integer.unsupported}`,
  ].join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('list the layers of a model with op, output shape, parameters and MACs, and the totals')
    .argument('<model>', 'model file (.onnx or .dq)')
    .option('--fold-bn', 'show the graph after folding BatchNormalization into Conv')
    .option('--json', 'print one JSON object on stdout')
    .action((model: string, o: { foldBn?: boolean; json?: boolean }) => {
      const r = inspectModel(model, !!o.foldBn);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : formatInspect(r) + '\n');
    });
}
