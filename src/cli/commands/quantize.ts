import type { Command } from 'commander';
import { writeQModel } from '../../format/qmodel.js';
import type { PotRounding, QGraph } from '../../ir/qgraph.js';
import { createEvaluator, loadEvalSet } from '../../parallel/eval-pool.js';
import { memoryReport } from '../../plan/memory-report.js';
import type { CalibrationMethod } from '../../quant/calibrate.js';
import { measureSensitivity, prepareExt, selectExt } from '../../quant/doubleqext.js';
import type { MetricName } from '../../quant/layer-metrics.js';
import { quantizeModel } from '../../quant/quantize-model.js';
import { BUDGET_OF, parseBudget, parseMaxDrop, type Target } from '../../quant/select-layers.js';
import { loadEngine } from '../../runtime/wasm-loader.js';
import { writeFileAtomic, refuseOverwritingInput } from '../atomic-write.js';
import { asUsage, InputError, loadModel, oneOf, UsageError } from '../io.js';
import { progress, type Progress } from '../progress.js';
import { kernelWeightBytes } from '../units.js';
import { addCalibrationFlags, addPotFlags, addSelectionFlags, maxSavingForTiers, parseQuantFlags, type QuantFlags } from './quant-flags.js';

export interface QuantizeFlags extends QuantFlags {
  out: string;
  pot?: string;
  budget?: string;
  budgetOf?: string;
  maxDrop?: string;
}

export interface QuantizeReport {
  model: string;
  out: string;
  calibration: CalibrationMethod;
  percentile?: number;
  perTensor: boolean;
  calibImages: number;
  layers: number;
  /** kernel-weight bytes, rounded up per layer (src/cli/units.ts); the same figure inspect prints */
  weightBytes: number;
  fileBytes: number;
  potLayers: string[];
  rounding?: PotRounding;
  /** level-two method: gptq (output-aware) or rule */
  method?: string;
  refitScale: boolean;
  biasCorrection: boolean;
  /** kernel weights only, percent saved vs 8-bit (positive = smaller) */
  savingVsInt8Pct: number;
  /** wasm memory of the integer executor at batch 1, compact weights (src/plan/memory-report.ts runtimeBytes.total) */
  runtimeBytes: number;
  /** DoubleQExt: how the layers were chosen */
  selection?: { metric: MetricName; search: string; target: Target; measuredDropPoints?: number; tiers: number[]; bits: Record<string, number> };
  seconds: number;
  /** CPU time of this process (user + system), seconds: comparable on a machine shared with other jobs */
  cpuSeconds: number;
}

/** Stage-named progress bars, created on first use and all stopped at the end. */
export function stageBars(show: boolean) {
  const bars = new Map<string, Progress>();
  return {
    update(stage: string, done: number, total: number) {
      let b = bars.get(stage);
      if (!b) bars.set(stage, (b = progress(stage, show)));
      b.update(done, total);
    },
    stop() {
      for (const b of bars.values()) b.stop();
    },
  };
}

export async function quantizeCommand(model: string, o: QuantizeFlags, showProgress: boolean): Promise<QuantizeReport> {
  const t0 = performance.now(), cpu0 = process.cpuUsage();
  refuseOverwritingInput(o.out, [model, o.calib, o.labels]);
  const m = loadModel(model);
  const f = parseQuantFlags(m, o, undefined);
  const ext = o.budget !== undefined || o.maxDrop !== undefined;
  const potSpec = o.pot ?? 'none';
  if (ext && potSpec !== 'none') throw new UsageError('--pot names the layers itself; it does not go with --budget or --max-drop');
  if (o.budget !== undefined && o.maxDrop !== undefined) throw new UsageError('give one target: --budget or --max-drop');
  if (!ext && potSpec === 'none' && (o.rounding || o.method || o.refitScale || o.biasCorrection)) throw new UsageError('--method, --rounding, --refit-scale and --bias-correction go with --pot, --budget or --max-drop');
  if (!ext && (o.metric || o.search || o.tiers)) throw new UsageError('--metric, --search and --tiers go with --budget or --max-drop');
  const budgetOf = oneOf(o.budgetOf ?? 'kernel', BUDGET_OF, '--budget-of');
  if (o.budgetOf !== undefined && o.budget === undefined) throw new UsageError('--budget-of goes with --budget');
  if (budgetOf === 'runtime' && !/^\s*[0-9]+\s*B?\s*$/.test(o.budget!)) throw new UsageError(`--budget-of runtime takes a size in bytes of wasm memory (e.g. 150000B), got '${o.budget}'`);
  if (o.budget !== undefined) {
    // cheap checks before the slow part; the exact byte bounds are checked once the layers are known
    const pct = /^\s*(-?[0-9]*\.?[0-9]+)\s*%\s*$/.exec(o.budget);
    if (pct && Number(pct[1]) > maxSavingForTiers(f.tiers))
      throw new UsageError(`--budget ${o.budget.trim()} is impossible: ${f.tiers.join('/')}-bit codes save at most ${maxSavingForTiers(f.tiers).toFixed(2)} % of the 8-bit kernel weights`);
    if (!pct && !/^\s*[0-9]+\s*B?\s*$/.test(o.budget)) throw new UsageError(`--budget must be a percentage saved vs 8-bit (e.g. 23.05%) or a kernel-weight size in bytes (e.g. 180000B), got '${o.budget}'`);
  }
  const maxDrop = o.maxDrop !== undefined ? asUsage(() => parseMaxDrop(o.maxDrop!)) : undefined;
  const engine = await loadEngine();
  const bars = stageBars(showProgress);
  let q: QGraph, calibImages: number, selection: QuantizeReport['selection'];
  try {
    if (!ext) {
      ({ q, calibImages } = await quantizeModel(m, f.calibData, { ...f.opts, pot: potSpec, engine, onProgress: bars.update }));
    } else {
      const prepared = await prepareExt(m, f.calibData, { ...f.opts, engine, onProgress: bars.update }, f.tiers);
      calibImages = prepared.calibImages;
      const target: Target = maxDrop ?? asUsage(() => parseBudget(o.budget!, prepared.layers, budgetOf));
      let ev, base;
      if (f.metric === 'sensitivity' || target.kind === 'max-drop') {
        ev = await createEvaluator(await loadEvalSet(await f.calibData(), f.opts.limit));
        base = await measureSensitivity(prepared, ev, bars.update);
      }
      try {
        const s = await selectExt(prepared, f.metric, target, f.search, ev, base, bars.update);
        q = s.q;
        selection = { metric: s.metric, search: s.search, target: s.target, measuredDropPoints: s.measuredDropPoints, tiers: f.tiers, bits: s.bits };
      } finally {
        await ev?.close();
      }
    }
  } finally {
    bars.stop();
  }
  const bytes = writeQModel(q);
  const mem = memoryReport(q, bytes);
  writeFileAtomic(o.out, bytes);
  const pot = mem.layers.filter((l) => l.format === 'pot').map((l) => l.name);
  return {
    model, out: o.out, calibration: f.opts.calibration, percentile: f.opts.percentile, perTensor: !!o.perTensor, calibImages,
    layers: mem.layers.length, weightBytes: kernelWeightBytes(mem.layers), fileBytes: bytes.length,
    potLayers: pot, rounding: pot.length ? f.rule : undefined, method: pot.length ? f.method : undefined, refitScale: !!o.refitScale, biasCorrection: !!o.biasCorrection,
    savingVsInt8Pct: mem.savingVsInt8Pct, runtimeBytes: mem.runtimeBytes.total, selection, seconds: (performance.now() - t0) / 1000,
    cpuSeconds: ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpu0)),
  };
}

export function registerQuantize(program: Command): void {
  const c = program
    .command('quantize')
    .description('post-training quantization: 8-bit (level one), power-of-two weights for chosen layers (level two), or layers chosen under a target (DoubleQExt); writes a packed .dq model')
    .argument('<model>', 'float model (.onnx)')
    .requiredOption('--out <file>', 'the quantized model to write (.dq)');
  addCalibrationFlags(c);
  c.option('--pot <layers>', "level two: power-of-two weights for 'all', 'none' or a comma-separated list of layer names (see inspect)", 'none');
  addPotFlags(c);
  c.option('--budget <target>', 'DoubleQExt: save at least this much kernel-weight memory vs 8-bit (e.g. 23.05%), or fit the kernel weights in this many bytes (e.g. 180000B)')
    .option('--budget-of <what>', "what a byte --budget counts: kernel (kernel weights, the paper's convention) | runtime (the executor's wasm memory at batch 1: weights, constants, scratch, arena); default kernel")
    .option('--max-drop <points>', 'DoubleQExt: most power-of-two layers whose top-1 on the calibration images stays within this many points of 8-bit');
  addSelectionFlags(c);
  c.option('--json', 'print one JSON object on stdout').action(async (model: string, o: QuantizeFlags) => {
    const r = await quantizeCommand(model, o, !o.json);
    process.stdout.write(o.json ? JSON.stringify(r) + '\n' :
      `wrote ${r.out}: ${r.layers} layers (${r.potLayers.length} power-of-two${r.rounding ? `, ${r.rounding} rule${r.refitScale ? ', scale re-fit' : ''}${r.biasCorrection ? ', bias correction' : ''}` : ''}), ` +
      `${r.weightBytes.toLocaleString('en-US')} kernel-weight bytes (${r.savingVsInt8Pct.toFixed(2)} % saved vs 8-bit), ${r.fileBytes.toLocaleString('en-US')} bytes on disk, ${r.runtimeBytes.toLocaleString('en-US')} bytes of wasm memory at batch 1; ` +
      `${r.calibration}${r.percentile ? ` ${r.percentile}` : ''} calibration on ${r.calibImages} images, ${r.perTensor ? 'per-tensor' : 'per-channel'} weights` +
      (r.selection ? `; layers chosen by ${r.selection.metric} with ${r.selection.search}${r.selection.measuredDropPoints !== undefined ? `, calibration top-1 drop ${r.selection.measuredDropPoints.toFixed(2)} points` : ''}` : '') +
      `, ${r.seconds.toFixed(1)} s\n`);
  });
}
