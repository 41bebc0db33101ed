// Flags shared by quantize, analyze and pareto: calibration data, level one and level two.

import type { Command } from 'commander';
import type { Dataset } from '../../data/dataset.js';
import { openDataset } from '../../data/node-files.js';
import type { PotRounding } from '../../ir/qgraph.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../../quant/calibrate.js';
import { METRICS, type MetricName } from '../../quant/layer-metrics.js';
import type { QuantizeModelOptions } from '../../quant/quantize-model.js';
import { codeBits, DEFAULT_POT_ROUNDING, POT_ROUNDINGS } from '../../core/pot-codec.js';
import { SEARCHES, type Search } from '../../quant/select-layers.js';
import type { FloatModel } from '../../runtime/float-model.js';
import type { Engine } from '../../runtime/kernels.js';
import { formatFlag, parseIntFlag, UsageError } from '../io.js';
import { normalizationFlags } from './eval.js';

export interface QuantFlags {
  calib: string;
  format: string;
  labels?: string;
  calibLimit?: string;
  calibration?: string;
  percentile?: string;
  perTensor?: boolean;
  mean?: string;
  std?: string;
  rounding?: string;
  refitScale?: boolean;
  biasCorrection?: boolean;
  metric?: string;
  search?: string;
  json?: boolean;
}

export function addCalibrationFlags(c: Command): Command {
  return c
    .requiredOption('--calib <file>', "calibration data; for --format mnist the split ('train')")
    .requiredOption('--format <format>', 'cifar10 | npy | mnist')
    .option('--labels <file>', 'npy: labels .npy beside the images (default <stem>_labels.npy or labels.npy)')
    .option('--calib-limit <n>', 'calibrate on the first n images', '1000')
    .option('--calibration <method>', `activation range estimation: ${CALIBRATION_METHODS.join(' | ')}`, 'minmax')
    .option('--percentile <p>', 'percentile calibration: the percentile kept (default 99.99)')
    .option('--per-tensor', 'one weight scale per layer instead of one per output channel')
    .option('--mean <a,b,c>', 'per-channel mean subtracted after pixel/255')
    .option('--std <a,b,c>', 'per-channel std divided after subtracting the mean');
}

export function addPotFlags(c: Command): Command {
  return c
    .option('--rounding <rule>', `power-of-two rounding rule: ${POT_ROUNDINGS.join(' | ')} (default ${DEFAULT_POT_ROUNDING})`)
    .option('--refit-scale', 'power-of-two layers: least-squares re-fit of each channel scale')
    .option('--bias-correction', 'power-of-two layers: correct the output-mean shift on the calibration images');
}

export function addSelectionFlags(c: Command): Command {
  return c
    .option('--metric <name>', `layer metric for the selection: ${METRICS.join(' | ')} (default sensitivity)`)
    .option('--search <name>', `search under a memory budget: ${SEARCHES.join(' | ')} (default knapsack)`);
}

export interface ParsedQuantFlags {
  opts: Omit<QuantizeModelOptions, 'engine' | 'onProgress' | 'pot'>;
  calibData: () => Promise<Dataset>;
  metric: MetricName;
  search: Search;
  rule: PotRounding;
}

export function parseQuantFlags(m: FloatModel, o: QuantFlags, engine: Engine | undefined): ParsedQuantFlags {
  const method = (o.calibration ?? 'minmax') as CalibrationMethod;
  if (!CALIBRATION_METHODS.includes(method)) throw new UsageError(`--calibration must be one of ${CALIBRATION_METHODS.join(', ')}, got '${o.calibration}'`);
  let percentile: number | undefined;
  if (o.percentile !== undefined) {
    if (method !== 'percentile') throw new UsageError('--percentile goes with --calibration percentile');
    percentile = Number(o.percentile);
    if (!/^\d+(\.\d+)?$/.test(o.percentile) || !(percentile > 50 && percentile <= 100)) throw new UsageError(`--percentile must be a number in (50, 100], got '${o.percentile}'`);
  }
  const limit = o.calibLimit === undefined ? 1000 : parseIntFlag(o.calibLimit, '--calib-limit');
  const rule = (o.rounding ?? DEFAULT_POT_ROUNDING) as PotRounding;
  if (!POT_ROUNDINGS.includes(rule)) throw new UsageError(`--rounding must be one of ${POT_ROUNDINGS.join(', ')}, got '${o.rounding}'`);
  const metric = (o.metric ?? 'sensitivity') as MetricName;
  if (!METRICS.includes(metric)) throw new UsageError(`--metric must be one of ${METRICS.join(', ')}, got '${o.metric}'`);
  const search = (o.search ?? 'knapsack') as Search;
  if (!SEARCHES.includes(search)) throw new UsageError(`--search must be one of ${SEARCHES.join(', ')}, got '${o.search}'`);
  const format = formatFlag(o.format);
  const norm = normalizationFlags(m.graphFor(m.fixedBatch ?? 1).inputs[0]!.shape.slice(1), o, format);
  void engine;
  return {
    opts: { calibration: method, percentile, limit, perTensor: !!o.perTensor, rounding: rule, refitScale: !!o.refitScale, biasCorrection: !!o.biasCorrection },
    calibData: () => openDataset(o.calib, format, { norm, labels: o.labels }),
    metric, search, rule,
  };
}

/** The largest saving power-of-two weights allow with a rule, percent of 8-bit. */
export function maxSavingForRule(rule: PotRounding): number {
  return (100 * (8 - codeBits(rule))) / 8;
}
