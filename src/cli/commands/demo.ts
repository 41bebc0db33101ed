// The main job on the embedded default model: float -> 8-bit -> DoubleQ (every layer power of
// two) on the bundled MNIST CNN, each evaluated on the 2,000-image test split.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MNIST_NORMALIZATION } from '../../data/mnist.js';
import { openDataset } from '../../data/node-files.js';
import { evaluate, floatClassifier, quantizedClassifier } from '../../eval/evaluate.js';
import { writeQModel } from '../../format/qmodel.js';
import { memoryReport } from '../../plan/memory-report.js';
import { quantizeModel, type QuantizeModelOptions } from '../../quant/quantize-model.js';
import { loadEngine } from '../../runtime/wasm-loader.js';
import { DEFAULT_MODEL_PATH, loadModel, UsageError } from '../io.js';
import { progress } from '../progress.js';
import { formatInspect, inspectModel } from './inspect.js';

interface DemoRow {
  model: string;
  top1: number;
  correct: number;
  total: number;
  kernelWeightBytes: number;
  savingVsInt8Pct: number | null;
  fileBytes: number;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job on the embedded default: the bundled MNIST CNN in float, 8-bit and DoubleQ (all layers power of two), each evaluated on its 2,000-image test split')
    .option('--out-dir <dir>', 'also write the two quantized models there (int8.dq, doubleq.dq)')
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { outDir?: string; json?: boolean }) => {
      const show = !o.json;
      const engine = await loadEngine();
      const model = loadModel(DEFAULT_MODEL_PATH);
      const test = () => openDataset('test', 'mnist', { norm: MNIST_NORMALIZATION });
      const train = () => openDataset('train', 'mnist', { norm: MNIST_NORMALIZATION });
      const run = async (label: string, classifier: Parameters<typeof evaluate>[0]) => {
        const bar = progress(label, show);
        try {
          return await evaluate(classifier, await test(), { batch: 100, onProgress: (d, t) => bar.update(d, t) });
        } finally {
          bar.stop();
        }
      };
      const inspect = inspectModel(DEFAULT_MODEL_PATH, false);
      const fl = await run('float', floatClassifier(model, engine));
      const weights = inspect.totals.kernelWeightBits.float32 / 32;
      const rows: DemoRow[] = [{ model: 'float32', ...pick(fl), kernelWeightBytes: 4 * weights, savingVsInt8Pct: null, fileBytes: inspect.totals.fileBytes }];
      const base: QuantizeModelOptions = { calibration: 'minmax', limit: 500, engine };
      for (const [name, opts] of [['int8', {}], ['doubleq (all PoT, log, re-fit, bias corr.)', { pot: 'all', rounding: 'log', refitScale: true, biasCorrection: true }]] as const) {
        const { q } = await quantizeModel(model, train, { ...base, ...opts });
        const bytes = writeQModel(q);
        const mem = memoryReport(q, bytes);
        if (o.outDir) {
          try {
            writeFileSync(join(o.outDir, name === 'int8' ? 'int8.dq' : 'doubleq.dq'), bytes);
          } catch (e) {
            throw new UsageError(`cannot write to ${o.outDir}: ${(e as Error).message}`);
          }
        }
        const r = await run(name, quantizedClassifier(q, engine, 100));
        rows.push({ model: name, ...pick(r), kernelWeightBytes: mem.kernelWeightBits.actual / 8, savingVsInt8Pct: mem.savingVsInt8Pct, fileBytes: bytes.length });
      }
      if (o.json) {
        process.stdout.write(JSON.stringify({ model: DEFAULT_MODEL_PATH, testImages: fl.total, calibImages: 500, rows }) + '\n');
        return;
      }
      const table = [
        ['model', 'top-1', 'correct', 'kernel weights', 'vs 8-bit', 'file bytes'],
        ...rows.map((r) => [r.model, `${r.top1.toFixed(2)} %`, `${r.correct}/${r.total}`, `${r.kernelWeightBytes.toLocaleString('en-US')} B`,
          r.savingVsInt8Pct === null ? '' : r.savingVsInt8Pct === 0 ? '0.00 %' : `-${r.savingVsInt8Pct.toFixed(2)} %`, r.fileBytes.toLocaleString('en-US')]),
      ];
      const w = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      process.stdout.write(`${formatInspect(inspect)}\n\n` +
        `Calibration: 500 MNIST training images (min-max). Evaluation: the 2,000-image test split, integer wasm engine.\n\n` +
        table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n') + '\n');
    });
}

function pick(r: { top1: number; correct: number; total: number }) {
  return { top1: r.top1, correct: r.correct, total: r.total };
}
