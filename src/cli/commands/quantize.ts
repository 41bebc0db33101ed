import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openDataset, parseDatasetFormat } from '../../data/node-files.js';
import { writeQModel } from '../../format/qmodel.js';
import { calibrate, CALIBRATION_METHODS, type CalibrationMethod } from '../../quant/calibrate.js';
import { checkFiniteConstants, quantizeInt8 } from '../../quant/quantize-int8.js';
import { loadEngine } from '../../runtime/wasm-loader.js';
import { loadModel, parseIntFlag, UsageError } from '../io.js';
import { progress } from '../progress.js';
import { normalizationFlags } from './eval.js';

export interface QuantizeFlags {
  calib: string;
  format: string;
  labels?: string;
  calibLimit?: string;
  calibration?: string;
  percentile?: string;
  perTensor?: boolean;
  mean?: string;
  std?: string;
  out: string;
  json?: boolean;
}

export interface QuantizeReport {
  model: string;
  out: string;
  calibration: CalibrationMethod;
  percentile?: number;
  perTensor: boolean;
  calibImages: number;
  layers: number;
  weightBytes: number;
  fileBytes: number;
  seconds: number;
}

export async function quantizeCommand(model: string, o: QuantizeFlags, showProgress: boolean): Promise<QuantizeReport> {
  const t0 = performance.now();
  const method = (o.calibration ?? 'minmax') as CalibrationMethod;
  if (!CALIBRATION_METHODS.includes(method)) throw new UsageError(`--calibration must be one of ${CALIBRATION_METHODS.join(', ')}, got '${o.calibration}'`);
  let percentile: number | undefined;
  if (o.percentile !== undefined) {
    if (method !== 'percentile') throw new UsageError('--percentile goes with --calibration percentile');
    percentile = Number(o.percentile);
    if (!/^\d+(\.\d+)?$/.test(o.percentile) || !(percentile > 50 && percentile <= 100)) throw new UsageError(`--percentile must be a number in (50, 100], got '${o.percentile}'`);
  }
  const limit = o.calibLimit === undefined ? 1000 : parseIntFlag(o.calibLimit, '--calib-limit');
  const format = parseDatasetFormat(o.format);
  const m = loadModel(model);
  const norm = normalizationFlags(m.graphFor(m.fixedBatch ?? 1).inputs[0]!.shape.slice(1), o, format);
  checkFiniteConstants(m.graphFor(m.fixedBatch ?? 1));
  const data = await openDataset(o.calib, format, { norm, labels: o.labels });
  const engine = await loadEngine();
  const bar = progress('calibrate', showProgress);
  let ranges;
  try {
    ranges = await calibrate(m, data, { method, percentile, limit, engine, onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.stop();
  }
  const q = quantizeInt8(m.graphFor(m.fixedBatch ?? 1), ranges, { perTensor: !!o.perTensor });
  const bytes = writeQModel(q);
  try {
    writeFileSync(o.out, bytes);
  } catch (e) {
    throw new UsageError(`cannot write ${o.out}: ${(e as Error).message}`);
  }
  let weightBytes = 0;
  for (const n of q.nodes) if (n.op === 'conv' || n.op === 'gemm') weightBytes += n.weights.length;
  return {
    model, out: o.out, calibration: method, percentile, perTensor: !!o.perTensor, calibImages: Math.min(limit, data.size),
    layers: q.nodes.filter((n) => n.op === 'conv' || n.op === 'gemm').length, weightBytes, fileBytes: bytes.length, seconds: (performance.now() - t0) / 1000,
  };
}

export function registerQuantize(program: Command): void {
  program
    .command('quantize')
    .description('8-bit static post-training quantization: calibrate activation ranges, write a packed .dq model')
    .argument('<model>', 'float model (.onnx)')
    .requiredOption('--calib <file>', "calibration data; for --format mnist the split ('train')")
    .requiredOption('--format <format>', 'cifar10 | npy | mnist')
    .requiredOption('--out <file>', 'the quantized model to write (.dq)')
    .option('--labels <file>', 'npy: labels .npy (not used for calibration, but the reader checks it)')
    .option('--calib-limit <n>', 'calibrate on the first n images', '1000')
    .option('--calibration <method>', `activation range estimation: ${CALIBRATION_METHODS.join(' | ')}`, 'minmax')
    .option('--percentile <p>', 'percentile calibration: the percentile kept (default 99.99)')
    .option('--per-tensor', 'one weight scale per layer instead of one per output channel')
    .option('--mean <a,b,c>', 'per-channel mean subtracted after pixel/255')
    .option('--std <a,b,c>', 'per-channel std divided after subtracting the mean')
    .option('--json', 'print one JSON object on stdout')
    .action(async (model: string, o: QuantizeFlags) => {
      const r = await quantizeCommand(model, o, !o.json);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' :
        `wrote ${r.out}: ${r.layers} int8 layers, ${r.weightBytes.toLocaleString('en-US')} weight bytes, ${r.fileBytes.toLocaleString('en-US')} bytes on disk; ` +
        `${r.calibration}${r.percentile ? ` ${r.percentile}` : ''} calibration on ${r.calibImages} images, ${r.perTensor ? 'per-tensor' : 'per-channel'} weights, ${r.seconds.toFixed(1)} s\n`);
    });
}
