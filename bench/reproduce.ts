// Regenerates results/resnet20-cifar10.md (+ .json, frontier.*): the paper's table on the shared
// ResNet-20 with our numbers beside it. Calibration: the first 1,000 images of calib.bin;
// evaluation: all 10,000 images of test.bin; every number is a real evaluation in this run.
//
//   npm run reproduce [-- --shared ../shared] [-- --out results]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { frontierMarkdown, PAPER_POINTS, writeFrontier, type Frontier } from '../src/cli/commands/pareto.js';
import { openDataset } from '../src/data/node-files.js';
import { countCorrect, evaluate, floatClassifier } from '../src/eval/evaluate.js';
import { writeQModel } from '../src/format/qmodel.js';
import { createEvaluator, loadEvalSet } from '../src/parallel/eval-pool.js';
import { memoryReport } from '../src/plan/memory-report.js';
import { measureSensitivity, prepareExt, selectExt } from '../src/quant/doubleqext.js';
import { computeFrontier, SetEvaluator } from '../src/quant/frontier.js';
import { METRICS } from '../src/quant/layer-metrics.js';
import { quantizeModel } from '../src/quant/quantize-model.js';
import { POT_ROUNDINGS } from '../src/core/pot-codec.js';
import { nearestAchievableSaving, SEARCHES } from '../src/quant/select-layers.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const outDir = flag('--out', 'results');
const shared = resolve(sharedArg);
const CALIB = 1000, PAPER_EXT_SAVING = 23.05, PAPER_EXT_DROP = 1.19, PAPER_ALL_DROP = 7.28;
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const calib = () => openDataset(resolve(shared, 'data/cifar10/calib.bin'), 'cifar10', { norm });
const test = () => openDataset(resolve(shared, 'data/cifar10/test.bin'), 'cifar10', { norm });
const log = (s: string) => console.log(`[${((performance.now() - T0) / 1000).toFixed(0)} s] ${s}`);
const T0 = performance.now();

const engine = await loadEngine();
const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(shared, 'models/resnet20-cifar10.onnx'))));
const fl = await evaluate(floatClassifier(model, engine), await test(), { batch: 100 });
log(`float ${fl.correct}/${fl.total}`);

const testEv = await createEvaluator(await loadEvalSet(await test()));
const N = testEv.set.count;
const correctOf = async (q: Parameters<typeof testEv.logits>[0]) => {
  return countCorrect(await testEv.logits(q), testEv.set.labels, 10);
};
const pct = (c: number) => (100 * c) / N;

// 8-bit and DoubleQ (all layers power of two), each rounding rule, plain and with both corrections
const { q8 } = await quantizeModel(model, calib, { calibration: 'minmax', limit: CALIB, engine });
const c8 = await correctOf(q8);
log(`8-bit ${c8}/${N}`);
const doubleq = [];
for (const rounding of POT_ROUNDINGS)
  for (const fix of [false, true]) {
    const { q } = await quantizeModel(model, calib, { calibration: 'minmax', limit: CALIB, engine, pot: 'all', rounding, refitScale: fix, biasCorrection: fix });
    const c = await correctOf(q);
    doubleq.push({ rounding, variant: fix ? 'scale re-fit + bias correction' : 'plain', correct: c, top1: pct(c), dropVsInt8: pct(c8) - pct(c), savingVsInt8Pct: memoryReport(q).savingVsInt8Pct, fileBytes: writeQModel(q).length });
    log(`DoubleQ ${rounding} ${fix ? 'fixed' : 'plain'} ${c}/${N}`);
  }

// DoubleQExt: log rule with scale re-fit and bias correction; sensitivity on the calibration images
const ext = await prepareExt(model, calib, { calibration: 'minmax', limit: CALIB, engine, rounding: 'log', refitScale: true, biasCorrection: true });
const calibEv = await createEvaluator(await loadEvalSet(await calib(), CALIB));
const calibBase = await measureSensitivity(ext, calibEv);
log(`sensitivity ${ext.seconds.sensitivity.toFixed(1)} s`);
const sets = new SetEvaluator(ext, testEv);
// the paper's 23.05 % is not a sum of this network's layer savings: aim at the nearest one that is
const TARGET = nearestAchievableSaving(ext.layers, PAPER_EXT_SAVING);
const extRows = [];
for (const metric of METRICS)
  for (const search of SEARCHES) {
    const t = performance.now();
    const s = await selectExt(ext, metric, { kind: 'saving', pct: TARGET }, search);
    const selectSeconds = (performance.now() - t) / 1000;
    const c = await sets.correct(s.layers);
    extRows.push({ metric, search, layers: s.layers, savingVsInt8Pct: s.savingVsInt8Pct, correct: c, top1: pct(c), dropVsInt8: pct(c8) - pct(c), selectSeconds });
    log(`DoubleQExt ${metric}/${search} ${s.savingVsInt8Pct.toFixed(2)} % ${c}/${N}`);
  }
const dropSel = await selectExt(ext, 'sensitivity', { kind: 'max-drop', points: 0.5 }, 'greedy', calibEv, calibBase);
const dropCorrect = await sets.correct(dropSel.layers);
await calibEv.close();

// the frontier: knapsack per metric, plus greedy on sensitivity
const fr = await computeFrontier(ext, sets, N, METRICS, 'knapsack', 2.5);
const greedy = await computeFrontier(ext, sets, N, ['sensitivity'], 'greedy', 2.5);
await testEv.close();
const frontier: Frontier = {
  model: `${sharedArg}/models/resnet20-cifar10.onnx`, evalData: `${sharedArg}/data/cifar10/test.bin`, evalImages: N, calibImages: CALIB,
  config: { rounding: 'log', method: 'rule', tiers: [5], refitScale: true, biasCorrection: true, search: 'knapsack (and greedy for sensitivity)', step: 2.5 },
  int8: fr.int8, curves: [...fr.curves, ...greedy.curves], paper: PAPER_POINTS, evaluations: sets.evaluations,
  seconds: { ...ext.seconds, frontier: fr.seconds + greedy.seconds, total: (performance.now() - T0) / 1000 }, workers: 2,
};
mkdirSync(outDir, { recursive: true });
await writeFrontier(outDir, frontier);

const machine = machineStamp();
const command = `npm run reproduce -- --shared ${sharedArg}`;
const best30 = frontier.curves.flatMap((c) => c.points.map((p) => ({ ...p, curve: `${c.metric} (${c.search})` }))).filter((p) => p.savingVsInt8Pct >= 30 && p.savingVsInt8Pct < 37.5).sort((a, b) => b.correct - a.correct)[0];
const bestExt = [...extRows].sort((a, b) => b.correct - a.correct)[0]!;
const f2 = (x: number) => x.toFixed(2);
const md = [
  '# ResNet-20 on CIFAR-10: the DoubleQExt table reproduced',
  '',
  `Command: \`${command}\` (after \`npm ci\`, which builds everything). Every number below is a real evaluation in that run.`,
  `Model: \`${sharedArg}/models/resnet20-cifar10.onnx\` (BatchNorm folded). Calibration: first ${CALIB} images of calib.bin (min-max ranges, per-channel int8 weights). Evaluation: all ${N} images of test.bin on doubleq's integer WebAssembly engine.`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, Node ${machine.node}; date ${machine.date}; run time ${((performance.now() - T0) / 60000).toFixed(1)} min.`,
  '',
  '## Summary beside the paper',
  '',
  '| configuration | kernel-weight memory vs 8-bit | top-1 | vs 8-bit (points) | the paper (vs its 8-bit) |',
  '|---|---|---|---|---|',
  `| float32 | +300 % | ${f2(fl.top1)} % | ${fl.top1 >= pct(c8) ? '+' : ''}${f2(fl.top1 - pct(c8))} | |`,
  `| 8-bit (level one) | 0 | ${f2(pct(c8))} % | 0 | 0 |`,
  ...doubleq.map((d) => `| DoubleQ, all layers PoT, \`${d.rounding}\` rule, ${d.variant} | -${f2(d.savingVsInt8Pct)} % | ${f2(d.top1)} % | -${f2(d.dropVsInt8)} | ${d.rounding === 'floor' ? '' : `-37.50 %, -${PAPER_ALL_DROP}`} |`),
  ...extRows.filter((r) => r.search === 'knapsack').map((r) => `| DoubleQExt, budget ${f2(TARGET)} % (nearest achievable to 23.05 %), ${r.metric} / knapsack | -${f2(r.savingVsInt8Pct)} % | ${f2(r.top1)} % | -${f2(r.dropVsInt8)} | -${PAPER_EXT_SAVING} %, -${PAPER_EXT_DROP} |`),
  `| DoubleQExt, best at >= ${f2(TARGET)} % over all metrics and searches: ${bestExt.metric} / ${bestExt.search} | -${f2(bestExt.savingVsInt8Pct)} % | ${f2(bestExt.top1)} % | -${f2(bestExt.dropVsInt8)} | -${PAPER_EXT_SAVING} %, -${PAPER_EXT_DROP} |`,
  ...(best30 ? [`| DoubleQExt, best frontier point saving >= 30 %: ${best30.curve} | -${f2(best30.savingVsInt8Pct)} % | ${f2(best30.top1)} % | -${f2(best30.dropVsInt8Points)} | |`] : []),
  '',
  `The paper's 23.05 % is not reachable exactly with this option-A ResNet-20 (268,336 kernel weights, no projection shortcuts): the nearest saving some set of layers gives is ${f2(TARGET)} %, the budget used below (a selection saves at least that much).`,
  '',
  `## DoubleQExt at a budget of ${f2(TARGET)} % (log rule, scale re-fit, bias correction), each metric and search`,
  '',
  '| metric | search | saved vs 8-bit | PoT layers | top-1 | drop vs 8-bit (points) | paper: -1.19 | selection time (s) |',
  '|---|---|---|---|---|---|---|---|',
  ...extRows.map((r) => `| ${r.metric} | ${r.search} | ${f2(r.savingVsInt8Pct)} % | ${r.layers.length} | ${f2(r.top1)} % | ${f2(r.dropVsInt8)} | ${r.dropVsInt8 <= PAPER_EXT_DROP ? 'better' : 'worse'} | ${r.selectSeconds.toFixed(3)} |`),
  '',
  `Accuracy target instead of memory: \`--max-drop 0.5\` (sensitivity, greedy with re-measurement on the calibration images) picks ${dropSel.layers.length} layers, ` +
    `saves ${f2(dropSel.savingVsInt8Pct)} %, measured drop ${f2(dropSel.measuredDropPoints ?? 0)} points on calibration images; on the test set ${f2(pct(dropCorrect))} % (${f2(pct(c8) - pct(dropCorrect))} points below 8-bit).`,
  '',
  `Metric costs come from one quantization (${ext.seconds.quantize.toFixed(1)} s) and ${ext.layers.length} single-layer sensitivity evaluations on ${CALIB} calibration images (${ext.seconds.sensitivity.toFixed(1)} s on 2 workers); a selection then takes milliseconds.`,
  '',
  `## Layers chosen at the best point (${bestExt.metric} / ${bestExt.search})`,
  '',
  ...bestExt.layers.map((l) => `- \`${l}\``),
  '',
  '## The frontier',
  '',
  '![frontier](frontier.svg)',
  '',
  frontierMarkdown(frontier).split('\n').slice(1).join('\n'),
].join('\n');
writeFileSync(resolve(outDir, 'resnet20-cifar10.md'), md);
writeFileSync(resolve(outDir, 'resnet20-cifar10.json'), JSON.stringify({ command, machine, float: fl, int8: { correct: c8, total: N, top1: pct(c8) }, doubleq, doubleqext: extRows,
  maxDrop: { ...dropSel, q: undefined, testCorrect: dropCorrect }, layers: ext.layers }, (_k, v) => (v === Infinity ? null : v), 2) + '\n');
log(`wrote ${outDir}/resnet20-cifar10.md, .json, frontier.json, frontier.md, frontier.svg`);
