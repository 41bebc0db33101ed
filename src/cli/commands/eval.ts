import type { Command } from 'commander';
import { parseFloatList, type Normalization } from '../../data/dataset.js';
import { MNIST_NORMALIZATION } from '../../data/mnist.js';
import { openDataset } from '../../data/node-files.js';
import { evaluate, floatClassifier, quantizedClassifier, referenceQClassifier, type EvalResult } from '../../eval/evaluate.js';
import { isSimdSupported, loadEngine } from '../../runtime/wasm-loader.js';
import { asUsage, formatFlag, loadAnyModel, oneOf, parseIntFlag, UsageError, weightsFlag, WEIGHTS_HELP } from '../io.js';
import { progress } from '../progress.js';
import { THREADS_HELP, threadedClassifier, threadsFlag } from '../threads-flag.js';

const ENGINES = ['wasm', 'wasm-simd', 'wasm-scalar', 'reference'];

export interface EvalFlags {
  data: string;
  format: string;
  labels?: string;
  limit?: string;
  mean?: string;
  std?: string;
  batch?: string;
  engine?: string;
  threads?: string;
  weights?: string;
  json?: boolean;
}

/** Normalisation from --mean/--std (a value per input channel); mnist has its own default. */
export function normalizationFlags(inputShape: readonly number[], o: { mean?: string; std?: string }, format: string): Normalization | undefined {
  const channels = inputShape[0] ?? 1;
  if (o.mean !== undefined || o.std !== undefined)
    return {
      mean: o.mean === undefined ? new Array(channels).fill(0) : asUsage(() => parseFloatList(o.mean!, channels, '--mean')),
      std: o.std === undefined ? new Array(channels).fill(1) : asUsage(() => parseFloatList(o.std!, channels, '--std')),
    };
  return format === 'mnist' ? MNIST_NORMALIZATION : undefined;
}

export interface EvalReport extends EvalResult {
  model: string;
  /** float32, int8, or int8+pot when some layers have power-of-two weights */
  modelKind: 'float32' | 'int8' | 'int8+pot';
  data: string;
  format: string;
  engine: string;
  /** threads of one inference (quantized models on wasm; else 1) */
  threads: number;
  /** resident weight form of the integer executor (quantized models on wasm) */
  weights: 'compact' | 'fast';
  imagesPerSecond: number;
}

export async function evalModel(model: string, o: EvalFlags, showProgress: boolean): Promise<EvalReport> {
  const format = formatFlag(o.format);
  const limit = o.limit === undefined ? undefined : parseIntFlag(o.limit, '--limit');
  const batch = o.batch === undefined ? 50 : parseIntFlag(o.batch, '--batch');
  const engineName = oneOf(o.engine ?? 'wasm', ENGINES, '--engine');
  const weights = weightsFlag(o.weights);
  if (engineName === 'wasm-simd' && !isSimdSupported()) throw new UsageError('--engine wasm-simd: this runtime has no WebAssembly SIMD; use wasm-scalar');
  const threadsChoice = await threadsFlag(o.threads);
  const m = loadAnyModel(model);
  const norm = normalizationFlags(m.inputShape, o, format);
  const data = await openDataset(o.data, format, { norm, labels: o.labels });
  // wasm-scalar / wasm-simd pick the build, so users can check SIMD against scalar (same bytes)
  const engine = engineName === 'reference' ? undefined : await loadEngine(engineName === 'wasm' ? {} : { simd: engineName === 'wasm-simd' });
  const bar = progress('eval', showProgress);
  try {
    // memory is planned for the batch actually used: never more images than the data (or --limit) has
    const used = Math.max(1, Math.min(batch, limit ?? Infinity, Number.isFinite(data.size) ? data.size : Infinity));
    const threaded = m.kind === 'quantized' && engine && threadsChoice.threads > 1 ? await threadedClassifier(m.q, engine.simd, used, threadsChoice, weights) : undefined;
    const classifier = m.kind === 'float' ? floatClassifier(m.model, engine) : threaded ?? (engine ? quantizedClassifier(m.q, engine, used, { weights }) : referenceQClassifier(m.q));
    const r = await evaluate(classifier, data, { batch: used, limit, onProgress: (d, t) => bar.update(d, t) }).finally(() => threaded?.dispose());
    const pot = m.kind === 'quantized' ? m.q.nodes.filter((n) => (n.op === 'conv' || n.op === 'gemm') && n.pot).length : 0;
    const kind = m.kind === 'float' ? 'float32' : pot ? 'int8+pot' : 'int8';
    return { model, modelKind: kind, data: o.data, format, engine: engine ? (engine.simd ? 'wasm-simd' : 'wasm-scalar') : 'reference', threads: threaded ? threadsChoice.threads : 1, weights, ...r, imagesPerSecond: r.total / r.seconds };
  } finally {
    bar.stop();
  }
}

export function formatEval(r: EvalReport): string {
  return `top-1 ${r.top1.toFixed(2)} % (${r.correct}/${r.total} correct), ${r.modelKind} model, on ${r.data} [${r.format}], ${r.seconds.toFixed(1)} s, ${r.imagesPerSecond.toFixed(0)} images/s, ${r.engine} engine${r.threads > 1 ? `, ${r.threads} threads` : ''}`;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('top-1 accuracy of a float (.onnx) or quantized (.dq) model on a labelled data set')
    .argument('<model>', 'model file (.onnx or .dq)')
    .requiredOption('--data <file>', "data file; for --format mnist the split: 'train' or 'test'")
    .requiredOption('--format <format>', 'cifar10 | npy | mnist')
    .option('--labels <file>', 'npy: labels .npy (default: <stem>_labels.npy or labels.npy beside the images)')
    .option('--limit <n>', 'evaluate only the first n images')
    .option('--mean <a,b,c>', 'per-channel mean subtracted after pixel/255 (default 0; mnist: 0.1307)')
    .option('--std <a,b,c>', 'per-channel std divided after subtracting the mean (default 1; mnist: 0.3081)')
    .option('--batch <n>', 'images per batch', '50')
    .option('--engine <name>', 'wasm (SIMD kernels when available) | wasm-simd | wasm-scalar | reference (plain TypeScript loops)', 'wasm')
    .option('--threads <n>', THREADS_HELP)
    .option('--weights <form>', WEIGHTS_HELP, 'compact')
    .option('--json', 'print one JSON object on stdout')
    .action(async (model: string, o: EvalFlags) => {
      const r = await evalModel(model, o, !o.json);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : formatEval(r) + '\n');
    });
}
