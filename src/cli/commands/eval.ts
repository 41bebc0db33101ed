import type { Command } from 'commander';
import { parseFloatList, type Normalization } from '../../data/dataset.js';
import { MNIST_NORMALIZATION } from '../../data/mnist.js';
import { openDataset, parseDatasetFormat } from '../../data/node-files.js';
import { evaluate, type EvalResult } from '../../eval/evaluate.js';
import { loadEngine } from '../../runtime/wasm-loader.js';
import { loadModel, parseIntFlag, UsageError } from '../io.js';
import { progress } from '../progress.js';

export interface EvalFlags {
  data: string;
  format: string;
  labels?: string;
  limit?: string;
  mean?: string;
  std?: string;
  batch?: string;
  engine?: string;
  json?: boolean;
}

export interface EvalReport extends EvalResult {
  model: string;
  data: string;
  format: string;
  engine: string;
  imagesPerSecond: number;
}

export async function evalModel(model: string, o: EvalFlags, showProgress: boolean): Promise<EvalReport> {
  const format = parseDatasetFormat(o.format);
  const limit = o.limit === undefined ? undefined : parseIntFlag(o.limit, '--limit');
  const batch = o.batch === undefined ? 50 : parseIntFlag(o.batch, '--batch');
  const engineName = o.engine ?? 'wasm';
  if (engineName !== 'wasm' && engineName !== 'reference') throw new UsageError(`--engine must be wasm or reference, got '${engineName}'`);
  const m = loadModel(model);
  const channels = m.graphFor(m.fixedBatch ?? 1).inputs[0]!.shape[1] ?? 1;
  let norm: Normalization | undefined;
  if (o.mean !== undefined || o.std !== undefined) {
    norm = {
      mean: o.mean === undefined ? new Array(channels).fill(0) : parseFloatList(o.mean, channels, '--mean'),
      std: o.std === undefined ? new Array(channels).fill(1) : parseFloatList(o.std, channels, '--std'),
    };
  } else if (format === 'mnist') norm = MNIST_NORMALIZATION;
  const data = await openDataset(o.data, format, { norm, labels: o.labels });
  const engine = engineName === 'wasm' ? await loadEngine() : undefined;
  const bar = progress('eval', showProgress);
  try {
    const r = await evaluate(m, data, { batch, limit, engine, onProgress: (d, t) => bar.update(d, t) });
    return { model, data: o.data, format, engine: engine ? (engine.simd ? 'wasm-simd' : 'wasm-scalar') : 'reference', ...r, imagesPerSecond: r.total / r.seconds };
  } finally {
    bar.stop();
  }
}

export function formatEval(r: EvalReport): string {
  return `top-1 ${r.top1.toFixed(2)} % (${r.correct}/${r.total} correct) on ${r.data} [${r.format}], ${r.seconds.toFixed(1)} s, ${r.imagesPerSecond.toFixed(0)} images/s, ${r.engine} engine`;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('top-1 accuracy of a float model on a labelled data set')
    .argument('<model>', 'model file (.onnx)')
    .requiredOption('--data <file>', "data file; for --format mnist the split: 'train' or 'test'")
    .requiredOption('--format <format>', 'cifar10 | npy | mnist')
    .option('--labels <file>', 'npy: labels .npy (default: <stem>_labels.npy or labels.npy beside the images)')
    .option('--limit <n>', 'evaluate only the first n images')
    .option('--mean <a,b,c>', 'per-channel mean subtracted after pixel/255 (default 0; mnist: 0.1307)')
    .option('--std <a,b,c>', 'per-channel std divided after subtracting the mean (default 1; mnist: 0.3081)')
    .option('--batch <n>', 'images per batch', '50')
    .option('--engine <name>', 'wasm (f32 SIMD kernels) | reference (plain TypeScript loops)', 'wasm')
    .option('--json', 'print one JSON object on stdout')
    .action(async (model: string, o: EvalFlags) => {
      const r = await evalModel(model, o, !o.json);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : formatEval(r) + '\n');
    });
}
