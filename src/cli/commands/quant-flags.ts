// Flags shared by quantize, analyze and pareto: calibration data, level one and level two.

import type { Command } from 'commander';
import type { Dataset } from '../../data/dataset.js';
import { openDataset } from '../../data/node-files.js';
import type { PotRounding } from '../../ir/qgraph.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../../quant/calibrate.js';
import { defaultTiers } from '../../quant/doubleqext.js';
import { DEFAULT_METRIC, METRICS, type MetricName } from '../../quant/layer-metrics.js';
import { POT_METHODS, type PotMethod, potMethodOf, type QuantizeModelOptions } from '../../quant/quantize-model.js';
import { codeBits, DEFAULT_POT_ROUNDING, POT_ROUNDINGS } from '../../core/pot-codec.js';
import { SEARCHES, type Search } from '../../quant/select-layers.js';
import type { FloatModel } from '../../runtime/float-model.js';
import type { Engine } from '../../engine/engine.js';
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
  method?: string;
  refitScale?: boolean;
  biasCorrection?: boolean;
  metric?: string;
  search?: string;
  tiers?: string;
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
    .option('--method <m>', `level-two method: ${POT_METHODS.join(' | ')} (default gptq: output-aware rounding; rule: the per-weight rounding rule alone, the paper's)`)
    .option('--rounding <rule>', `power-of-two code width / rule: ${POT_ROUNDINGS.join(' | ')} (default ${DEFAULT_POT_ROUNDING}; log and linear give 5-bit codes, floor 4-bit)`)
    .option('--refit-scale', 'rule method: least-squares re-fit of each channel scale (selects --method rule)')
    .option('--bias-correction', 'rule method: correct the output-mean shift on the calibration images (selects --method rule)');
}

export function addSelectionFlags(c: Command): Command {
  return c
    .option('--metric <name>', `layer metric for the selection: ${METRICS.join(' | ')} (default ${DEFAULT_METRIC})`)
    .option('--search <name>', `search under a memory budget: ${SEARCHES.join(' | ')} (default knapsack)`)
    .option('--tiers <list>', 'power-of-two code widths the selection may give a layer, e.g. 5,4 (default 5,4 for gptq without --rounding; else the rule\'s width)');
}

export interface ParsedQuantFlags {
  opts: Omit<QuantizeModelOptions, 'engine' | 'onProgress' | 'pot'>;
  calibData: () => Promise<Dataset>;
  metric: MetricName;
  search: Search;
  rule: PotRounding;
  method: PotMethod;
  /** code widths a selection chooses among, widest first */
  tiers: (4 | 5)[];
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
  if (o.method !== undefined && !POT_METHODS.includes(o.method as PotMethod)) throw new UsageError(`--method must be one of ${POT_METHODS.join(', ')}, got '${o.method}'`);
  if (o.method === 'gptq' && (o.refitScale || o.biasCorrection)) throw new UsageError('--refit-scale and --bias-correction go with --method rule (gptq searches scales and corrects biases itself)');
  const potMethod = potMethodOf({ potMethod: o.method as PotMethod | undefined, refitScale: o.refitScale, biasCorrection: o.biasCorrection });
  let tiers = defaultTiers({ potMethod, rounding: o.rounding });
  if (o.tiers !== undefined) {
    const t = o.tiers.split(',').map((x) => x.trim());
    if (t.length === 0 || t.some((x) => x !== '4' && x !== '5') || new Set(t).size !== t.length) throw new UsageError(`--tiers must list distinct code widths among 5 and 4 (e.g. 5,4), got '${o.tiers}'`);
    tiers = t.map(Number).sort((a, b) => b - a) as (4 | 5)[];
    if (potMethod === 'rule' && o.rounding !== undefined && !tiers.includes(codeBits(rule))) throw new UsageError(`--tiers ${o.tiers} does not include the ${codeBits(rule)}-bit codes of --rounding ${rule}`);
  }
  const format = formatFlag(o.format);
  const metric = (o.metric ?? DEFAULT_METRIC) as MetricName;
  if (!METRICS.includes(metric)) throw new UsageError(`--metric must be one of ${METRICS.join(', ')}, got '${o.metric}'`);
  const search = (o.search ?? 'knapsack') as Search;
  if (!SEARCHES.includes(search)) throw new UsageError(`--search must be one of ${SEARCHES.join(', ')}, got '${o.search}'`);
  const norm = normalizationFlags(m.graphFor(m.fixedBatch ?? 1).inputs[0]!.shape.slice(1), o, format);
  void engine;
  return {
    opts: { calibration: method, percentile, limit, perTensor: !!o.perTensor, rounding: rule, potMethod, refitScale: !!o.refitScale, biasCorrection: !!o.biasCorrection },
    calibData: () => openDataset(o.calib, format, { norm, labels: o.labels }),
    metric, search, rule, method: potMethod, tiers,
  };
}

/** The largest saving power-of-two weights allow with these code widths, percent of 8-bit. */
export function maxSavingForTiers(tiers: readonly number[]): number {
  return (100 * (8 - Math.min(...tiers))) / 8;
}
