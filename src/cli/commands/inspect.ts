import type { Command } from 'commander';
import { summarize, type GraphSummary } from '../../ir/summary.js';
import { importOnnx } from '../../onnx/import.js';
import { runPasses } from '../../passes/pipeline.js';
import { loadModel } from '../io.js';

export interface InspectReport extends GraphSummary {
  model: string;
  batch: number;
  inputs: { name: string; dtype: string; shape: number[] }[];
  outputs: { name: string; dtype: string; shape: number[] }[];
  foldedBatchNorm: boolean;
}

export function inspectModel(path: string, foldBn: boolean): InspectReport {
  const m = loadModel(path);
  const batch = m.fixedBatch ?? 1;
  const g = foldBn ? m.graphFor(batch) : importOnnx(m.onnx, { batch });
  const s = summarize(runPasses(g, []));
  const io = (v: { name: string; dtype: string; shape: readonly number[] }) => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] });
  return { model: path, batch, inputs: g.inputs.map(io), outputs: g.outputs.map(io), foldedBatchNorm: foldBn, ...s };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatInspect(r: InspectReport): string {
  const rows = r.layers.map((l) => [l.name, l.op, `[${l.outputShape.join(',')}]`, fmt(l.params), fmt(l.macs)]);
  const head = ['layer', 'op', 'output', 'params', 'MACs/image'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i >= 3 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ');
  const io = (v: { name: string; dtype: string; shape: number[] }) => `${v.name} ${v.dtype}[${v.shape.join(',')}]`;
  return [
    `model: ${r.model}`,
    `inputs: ${r.inputs.map(io).join(', ')}   outputs: ${r.outputs.map(io).join(', ')}   (shapes at batch ${r.batch})`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `total: ${r.layers.length} layers, ${fmt(r.totals.params)} parameters (${(r.totals.params / 1e6).toFixed(2)} M), ${fmt(r.totals.macs)} MACs per image (${(r.totals.macs / 1e6).toFixed(2)} M)${r.foldedBatchNorm ? ', BatchNorm folded' : ''}`,
  ].join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('list the layers of a model with op, output shape, parameters and MACs, and the totals')
    .argument('<model>', 'model file (.onnx)')
    .option('--fold-bn', 'show the graph after folding BatchNormalization into Conv')
    .option('--json', 'print one JSON object on stdout')
    .action((model: string, o: { foldBn?: boolean; json?: boolean }) => {
      const r = inspectModel(model, !!o.foldBn);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : formatInspect(r) + '\n');
    });
}
