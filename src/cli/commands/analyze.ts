import type { Command } from 'commander';
import { createEvaluator, loadEvalSet } from '../../parallel/eval-pool.js';
import { measureSensitivity, prepareExt } from '../../quant/doubleqext.js';
import { type LayerInfo, METRICS, type MetricName } from '../../quant/layer-metrics.js';
import { greedyOrder } from '../../quant/select-layers.js';
import { loadEngine } from '../../runtime/wasm-loader.js';
import { loadModel } from '../io.js';
import { addCalibrationFlags, addPotFlags, parseQuantFlags, type QuantFlags } from './quant-flags.js';
import { stageBars } from './quantize.js';

export interface AnalyzeReport {
  model: string;
  metric: MetricName;
  rounding: string;
  refitScale: boolean;
  biasCorrection: boolean;
  calibImages: number;
  layers: (LayerInfo & { rank: number; costPerBitSaved: number })[];
  seconds: { quantize: number; sensitivity: number; total: number };
  workers: number;
}

export async function analyzeCommand(model: string, o: QuantFlags, show: boolean): Promise<AnalyzeReport> {
  const t0 = performance.now();
  const m = loadModel(model);
  const f = parseQuantFlags(m, o, undefined);
  const engine = await loadEngine();
  const bars = stageBars(show);
  try {
    const ext = await prepareExt(m, f.calibData, { ...f.opts, engine, onProgress: bars.update }, f.tiers);
    const ev = await createEvaluator(await loadEvalSet(await f.calibData(), f.opts.limit));
    try {
      await measureSensitivity(ext, ev, bars.update);
    } finally {
      await ev.close();
    }
    const order = greedyOrder(ext.layers, f.metric);
    const rank = new Map(order.map((l, i) => [l.name, i + 1]));
    const cost = (l: LayerInfo) => (f.metric === 'error' ? l.nsr : f.metric === 'entropy' ? l.entropyBits : l.sensitivity!.kl) / l.bitsSaved;
    return {
      model, metric: f.metric, rounding: f.rule, refitScale: !!o.refitScale, biasCorrection: !!o.biasCorrection, calibImages: ext.calibImages,
      layers: ext.layers.map((l) => ({ ...l, rank: rank.get(l.name)!, costPerBitSaved: cost(l) })),
      seconds: { ...ext.seconds, total: (performance.now() - t0) / 1000 }, workers: ev.workers,
    };
  } finally {
    bars.stop();
  }
}

export function formatAnalyze(r: AnalyzeReport): string {
  const head = ['layer', 'weights', 'bits saved', 'SQNR dB', 'entropy', 'KL', 'agree %', 'top-1 drop', `rank (${r.metric})`];
  const rows = r.layers.map((l) => [l.name, l.weights.toLocaleString('en-US'), l.bitsSaved.toLocaleString('en-US'), l.sqnrDb.toFixed(2), l.entropyBits.toFixed(3),
    l.sensitivity!.kl.toExponential(2), l.sensitivity!.agreementPct.toFixed(1), l.sensitivity!.top1DropPoints.toFixed(2), String(l.rank)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const line = (x: string[]) => x.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [
    `layer metrics for power-of-two weights (${r.rounding} rule${r.refitScale ? ', scale re-fit' : ''}${r.biasCorrection ? ', bias correction' : ''}); sensitivity: only that layer power-of-two, ${r.calibImages} calibration images, against the 8-bit model`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `rank: order in which the greedy search takes layers (${r.metric} cost per bit saved, lowest first).`,
    `timings: quantization ${r.seconds.quantize.toFixed(1)} s, sensitivity ${r.seconds.sensitivity.toFixed(1)} s on ${r.workers} worker(s), total ${r.seconds.total.toFixed(1)} s`,
  ].join('\n');
}

export function registerAnalyze(program: Command): void {
  const c = program
    .command('analyze')
    .description(`DoubleQExt layer metrics (${METRICS.join(', ')}) for power-of-two weights, per layer`)
    .argument('<model>', 'float model (.onnx)');
  addCalibrationFlags(c);
  addPotFlags(c);
  c.option('--metric <name>', `the metric whose ranking is shown: ${METRICS.join(' | ')} (default sensitivity)`)
    .option('--json', 'print one JSON object on stdout')
    .action(async (model: string, o: QuantFlags) => {
      const r = await analyzeCommand(model, o, !o.json);
      process.stdout.write(o.json ? JSON.stringify(r, (_k, v) => (v === Infinity ? null : v)) + '\n' : formatAnalyze(r) + '\n');
    });
}
