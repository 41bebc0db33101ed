import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openDataset } from '../../data/node-files.js';
import { createEvaluator, type Evaluator, loadEvalSet } from '../../parallel/eval-pool.js';
import { measureSensitivity, prepareExt } from '../../quant/doubleqext.js';
import { computeFrontier, curveName, type FrontierCurve, SetEvaluator } from '../../quant/frontier.js';
import { METRICS, type MetricName } from '../../quant/layer-metrics.js';
import { loadEngine } from '../../runtime/wasm-loader.js';
import { writeFileAtomic } from '../atomic-write.js';
import { formatFlag, InputError, loadModel, oneOf, parseIntFlag, UsageError } from '../io.js';
import { BUDGET_OF, type BudgetOf } from '../../quant/select-layers.js';
import { frontierSvg } from '../plot-frontier.js';
import { normalizationFlags } from './eval.js';
import { addCalibrationFlags, addPotFlags, parseQuantFlags, type QuantFlags } from './quant-flags.js';
import { stageBars } from './quantize.js';

/** The paper's two ResNet-20 points, as memory saved and top-1 lost against its 8-bit model. */
export const PAPER_POINTS = [
  { label: 'paper DoubleQExt', savingPct: 23.05, dropPoints: 1.19 },
  { label: 'paper DoubleQ', savingPct: 37.5, dropPoints: 7.28 },
];

export interface Frontier {
  model: string;
  evalData: string;
  evalImages: number;
  calibImages: number;
  config: { rounding: string; method: string; tiers: number[]; refitScale: boolean; biasCorrection: boolean; search: string; step: number; budgetOf: BudgetOf };
  int8: { correct: number; total: number; top1: number; runtimeBytes: number };
  curves: FrontierCurve[];
  paper: typeof PAPER_POINTS;
  evaluations: number;
  seconds: { quantize: number; sensitivity: number; frontier: number; total: number };
  workers: number;
}

interface ParetoFlags extends QuantFlags {
  eval: string;
  evalLimit?: string;
  out: string;
  step?: string;
  metrics?: string;
  budgetOf?: string;
}

export async function paretoCommand(model: string, o: ParetoFlags, show: boolean): Promise<Frontier> {
  const t0 = performance.now();
  const m = loadModel(model);
  const f = parseQuantFlags(m, o, undefined);
  const step = o.step === undefined ? 2.5 : Number(o.step);
  if (!(step >= 0.5 && step <= 50)) throw new UsageError(`--step must be a number of percent in [0.5, 50], got '${o.step}'`);
  const metrics = (o.metrics ?? METRICS.join(',')).split(',').map((s) => s.trim()) as MetricName[];
  for (const x of metrics) if (!METRICS.includes(x)) throw new UsageError(`--metrics: unknown metric '${x}' (known: ${METRICS.join(', ')})`);
  const budgetOf = oneOf(o.budgetOf ?? 'kernel', BUDGET_OF, '--budget-of');
  const evalLimit = o.evalLimit === undefined ? Infinity : parseIntFlag(o.evalLimit, '--eval-limit');
  const format = formatFlag(o.format);
  const evalData = await openDataset(o.eval, format, { norm: normalizationFlags(m.graphFor(m.fixedBatch ?? 1).inputs[0]!.shape.slice(1), o, format), labels: o.labels });
  try {
    mkdirSync(o.out, { recursive: true });
  } catch (e) {
    throw new InputError(`cannot create ${o.out}: ${(e as Error).message}`);
  }
  const engine = await loadEngine();
  const bars = stageBars(show);
  let calibEv: Evaluator | undefined, evalEv: Evaluator | undefined;
  try {
    const ext = await prepareExt(m, f.calibData, { ...f.opts, engine, onProgress: bars.update }, f.tiers);
    calibEv = await createEvaluator(await loadEvalSet(await f.calibData(), f.opts.limit));
    await measureSensitivity(ext, calibEv, bars.update);
    await calibEv.close();
    calibEv = undefined;

    evalEv = await createEvaluator(await loadEvalSet(evalData, evalLimit));
    const fr = await computeFrontier(ext, new SetEvaluator(ext, evalEv), evalEv.set.count, metrics, f.search, step, (d, t) => bars.update('frontier', d, t), budgetOf);
    const frontier: Frontier = {
      model, evalData: o.eval, evalImages: evalEv.set.count, calibImages: ext.calibImages,
      config: { rounding: f.rule, method: f.method, tiers: f.tiers, refitScale: !!o.refitScale, biasCorrection: !!o.biasCorrection, search: f.search, step, budgetOf },
      int8: fr.int8, curves: fr.curves, paper: PAPER_POINTS, evaluations: fr.evaluations,
      seconds: { ...ext.seconds, frontier: fr.seconds, total: (performance.now() - t0) / 1000 }, workers: evalEv.workers,
    };
    await writeFrontier(o.out, frontier);
    return frontier;
  } finally {
    bars.stop();
    await calibEv?.close();
    await evalEv?.close();
  }
}

export function frontierMarkdown(fr: Frontier): string {
  const lines = [
    `# Memory-accuracy frontier: ${fr.model}`,
    '',
    `Power-of-two weights: ${fr.config.method === 'gptq' ? `output-aware rounding (gptq), ${fr.config.rounding === 'floor' ? 4 : 5}-bit codes` : `${fr.config.rounding} rule`}${fr.config.refitScale ? ', scale re-fit' : ''}${fr.config.biasCorrection ? ', bias correction' : ''}; selection: ${fr.config.search} per metric, budgets every ${fr.config.step} % of the 8-bit ${fr.config.budgetOf === 'runtime' ? `runtime memory (${fr.int8.runtimeBytes.toLocaleString('en-US')} bytes of wasm memory at batch 1)` : 'kernel weights'}. ` +
      `Calibration: ${fr.calibImages} images; evaluation: ${fr.evalImages} images of ${fr.evalData}. Our 8-bit model: ${fr.int8.top1.toFixed(2)} % (${fr.int8.correct}/${fr.int8.total}).`,
    '',
    `The paper (ResNet-20, against its own 8-bit model): ${fr.paper.map((p) => `${p.label} -${p.savingPct} % memory, -${p.dropPoints} points`).join('; ')}.`,
    '',
  ];
  for (const c of fr.curves) {
    lines.push(`## ${curveName(c)}`, '', '| budget | saved vs 8-bit | kernel weights (bytes) | runtime (bytes) | power-of-two layers | top-1 | drop vs 8-bit (points) | note |', '|---|---|---|---|---|---|---|---|');
    for (const p of c.points)
      lines.push(`| ${p.budgetPct.toFixed(2)} % | ${p.savingVsInt8Pct.toFixed(2)} % | ${p.kernelWeightBytes.toLocaleString('en-US')} | ${p.runtimeBytes.toLocaleString('en-US')} | ${p.layers.length}${Object.values(p.bits ?? {}).some((b) => b === 4) && Object.values(p.bits).some((b) => b === 5) ? ` (${Object.values(p.bits).filter((b) => b === 4).length} at 4 bits)` : ''} | ${p.top1.toFixed(2)} % | ${p.dropVsInt8Points.toFixed(2)} | ${p.aboveLessAggressive ? 'measured above a less aggressive point of this curve' : ''} |`);
    lines.push('');
  }
  lines.push(`${fr.evaluations} distinct configurations evaluated on ${fr.workers} worker(s) in ${fr.seconds.frontier.toFixed(1)} s; quantization ${fr.seconds.quantize.toFixed(1)} s, sensitivity ${fr.seconds.sensitivity.toFixed(1)} s, total ${fr.seconds.total.toFixed(1)} s.`, '');
  return lines.join('\n');
}

export async function writeFrontier(dir: string, fr: Frontier): Promise<void> {
  const runtime = fr.config.budgetOf === 'runtime';
  const saving = (p: FrontierCurve['points'][number]) => (runtime ? 100 * (1 - p.runtimeBytes / fr.int8.runtimeBytes) : p.savingVsInt8Pct);
  const points = fr.curves.flatMap((c) => c.points.map((p) => ({ series: curveName(c), savingPct: saving(p), top1: p.top1 })));
  const markers = runtime ? [] : fr.paper.map((p) => ({ label: `${p.label} (-${p.dropPoints} pts)`, savingPct: p.savingPct, top1: fr.int8.top1 - p.dropPoints }));
  const svg = frontierSvg(points, markers, `top-1 vs ${runtime ? 'runtime' : 'kernel-weight'} memory saved`,
    `dashed: our 8-bit model (${fr.int8.top1.toFixed(2)} %); diamonds: the paper's drops placed below our 8-bit; ${fr.evalImages} evaluation images`, fr.int8.top1);
  writeFileAtomic(join(dir, 'frontier.json'), JSON.stringify(fr, null, 2) + '\n');
  writeFileAtomic(join(dir, 'frontier.md'), frontierMarkdown(fr));
  writeFileAtomic(join(dir, 'frontier.svg'), svg);
}

export function registerPareto(program: Command): void {
  const c = program
    .command('pareto')
    .description('DoubleQExt memory-accuracy frontier: sweep the memory budget per metric, evaluate every point for real; writes frontier.json, frontier.md and frontier.svg')
    .argument('<model>', 'float model (.onnx)')
    .requiredOption('--eval <file>', 'evaluation data (same --format as --calib)')
    .requiredOption('--out <dir>', 'output folder');
  addCalibrationFlags(c);
  addPotFlags(c);
  c.option('--eval-limit <n>', 'evaluate on the first n images only')
    .option('--step <pct>', 'budget step, percent of the 8-bit kernel weights (or runtime memory)', '2.5')
    .option('--budget-of <what>', "what the budgets count: kernel (kernel weights, the paper's convention) | runtime (the executor's wasm memory at batch 1)", 'kernel')
    .option('--metrics <list>', `metrics to sweep, comma-separated (default ${METRICS.join(',')})`)
    .option('--search <name>', 'search per budget: greedy | knapsack (default knapsack)')
    .option('--tiers <list>', 'power-of-two code widths a layer may take, e.g. 5,4 (default 5,4 for gptq without --rounding; else the rule\'s width)')
    .option('--json', 'print the frontier as one JSON object on stdout')
    .action(async (model: string, o: ParetoFlags) => {
      const fr = await paretoCommand(model, o, !o.json);
      process.stdout.write(o.json ? JSON.stringify(fr) + '\n' : `${frontierMarkdown(fr)}\nwrote ${join(o.out, 'frontier.json')}, frontier.md, frontier.svg\n`);
    });
}
