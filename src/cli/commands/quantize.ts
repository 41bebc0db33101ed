import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openDataset, parseDatasetFormat } from '../../data/node-files.js';
import { writeQModel } from '../../format/qmodel.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../../quant/calibrate.js';
import type { PotRounding } from '../../ir/qgraph.js';
import { memoryReport } from '../../plan/memory-report.js';
import { quantizeModel } from '../../quant/quantize-model.js';
import { POT_ROUNDINGS } from '../../quant/quantize-pot.js';
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
  pot?: string;
  rounding?: string;
  refitScale?: boolean;
  biasCorrection?: boolean;
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
  potLayers: string[];
  rounding?: PotRounding;
  refitScale: boolean;
  biasCorrection: boolean;
  /** kernel weights only, against 8-bit, percent */
  savingVsInt8Pct: number;
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
  const potSpec = o.pot ?? 'none';
  const rule = (o.rounding ?? 'log') as PotRounding;
  if (!POT_ROUNDINGS.includes(rule)) throw new UsageError(`--rounding must be one of ${POT_ROUNDINGS.join(', ')}, got '${o.rounding}'`);
  if (potSpec === 'none' && (o.rounding || o.refitScale || o.biasCorrection)) throw new UsageError('--rounding, --refit-scale and --bias-correction go with --pot');
  const format = parseDatasetFormat(o.format);
  const m = loadModel(model);
  const norm = normalizationFlags(m.graphFor(m.fixedBatch ?? 1).inputs[0]!.shape.slice(1), o, format);
  const engine = await loadEngine();
  const bars = { calibrate: progress('calibrate', showProgress), 'bias correction': progress('bias correction', showProgress) };
  let q, calibImages;
  try {
    ({ q, calibImages } = await quantizeModel(m, () => openDataset(o.calib, format, { norm, labels: o.labels }), {
      calibration: method, percentile, limit, perTensor: !!o.perTensor, pot: potSpec, rounding: rule, refitScale: !!o.refitScale,
      biasCorrection: !!o.biasCorrection, engine, onProgress: (stage, d, t) => bars[stage].update(d, t),
    }));
  } finally {
    bars.calibrate.stop();
    bars['bias correction'].stop();
  }
  const bytes = writeQModel(q);
  const mem = memoryReport(q, bytes);
  try {
    writeFileSync(o.out, bytes);
  } catch (e) {
    throw new UsageError(`cannot write ${o.out}: ${(e as Error).message}`);
  }
  return {
    model, out: o.out, calibration: method, percentile, perTensor: !!o.perTensor, calibImages,
    layers: mem.layers.length, weightBytes: mem.kernelWeightBits.actual / 8, fileBytes: bytes.length,
    potLayers: mem.layers.filter((l) => l.format === 'pot').map((l) => l.name), rounding: mem.layers.some((l) => l.format === 'pot') ? rule : undefined,
    refitScale: !!o.refitScale, biasCorrection: !!o.biasCorrection, savingVsInt8Pct: mem.savingVsInt8Pct, seconds: (performance.now() - t0) / 1000,
  };
}

export function registerQuantize(program: Command): void {
  program
    .command('quantize')
    .description('post-training quantization: 8-bit (level one), then power-of-two weights for chosen layers (level two); writes a packed .dq model')
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
    .option('--pot <layers>', "level two: power-of-two weights for 'all', 'none' or a comma-separated list of layer names (see inspect)", 'none')
    .option('--rounding <rule>', `power-of-two rounding rule: ${POT_ROUNDINGS.join(' | ')} (default log)`)
    .option('--refit-scale', 'power-of-two layers: least-squares re-fit of each channel scale')
    .option('--bias-correction', 'power-of-two layers: correct the output-mean shift on the calibration images')
    .option('--json', 'print one JSON object on stdout')
    .action(async (model: string, o: QuantizeFlags) => {
      const r = await quantizeCommand(model, o, !o.json);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' :
        `wrote ${r.out}: ${r.layers} layers (${r.potLayers.length} power-of-two${r.rounding ? `, ${r.rounding} rule${r.refitScale ? ', scale re-fit' : ''}${r.biasCorrection ? ', bias correction' : ''}` : ''}), ` +
        `${r.weightBytes.toLocaleString('en-US')} kernel weight bytes (${r.savingVsInt8Pct.toFixed(2)} % below 8-bit), ${r.fileBytes.toLocaleString('en-US')} bytes on disk; ` +
        `${r.calibration}${r.percentile ? ` ${r.percentile}` : ''} calibration on ${r.calibImages} images, ${r.perTensor ? 'per-tensor' : 'per-channel'} weights, ${r.seconds.toFixed(1)} s\n`);
    });
}
