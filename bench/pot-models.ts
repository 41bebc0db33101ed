// Level two on any CIFAR-10 model of ../shared (default mbv2tiny): 8-bit, all layers
// power-of-two (the rule with re-fit + bias correction, and output-aware rounding at 5 and
// 4 bits) and DoubleQExt near 23 % (the default metric, knapsack, ours: int8/5/4-bit tiers). Calibration: first 1,000 images of
// calib.bin; evaluation: all test images. Writes results/<model>.md and .json (to --out, default results).
//
//   npm run bench:pot-models [-- --shared ../shared] [-- --model mbv2tiny-cifar10.onnx] [-- --quick]
// --calib-limit / --eval-limit: smoke runs only (the committed table uses 1,000 / all).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { openDataset } from '../src/data/node-files.js';
import { countCorrect } from '../src/eval/evaluate.js';
import { createEvaluator, loadEvalSet } from '../src/parallel/eval-pool.js';
import { memoryReport } from '../src/plan/memory-report.js';
import { measureSensitivity, prepareExt, selectExt } from '../src/quant/doubleqext.js';
import { levelTwo, quantizeModel } from '../src/quant/quantize-model.js';
import { DEFAULT_METRIC, type MetricName } from '../src/quant/layer-metrics.js';
import { codeBits, DEFAULT_POT_ROUNDING } from '../src/core/pot-codec.js';
import { nearestAchievableSaving } from '../src/quant/select-layers.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const modelFile = flag('--model', 'mbv2tiny-cifar10.onnx');
const shared = resolve(sharedArg);
const CALIB = Number(flag('--calib-limit', '1000')), EVAL_LIMIT = Number(flag('--eval-limit', 'Infinity')), EXT = 23.05, outDir = flag('--out', 'results');
// --quick: only ours, selection by the error metric (no sensitivity evaluations)
const QUICK = process.argv.includes('--quick'), METRIC: MetricName = QUICK ? 'error' : DEFAULT_METRIC;
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const calib = () => openDataset(resolve(shared, 'data/cifar10/calib.bin'), 'cifar10', { norm });
const test = () => openDataset(resolve(shared, 'data/cifar10/test.bin'), 'cifar10', { norm });
const T0 = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - T0) / 1000).toFixed(0)} s] ${s}`);

const engine = await loadEngine();
const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(shared, 'models', modelFile))));
const testEv = await createEvaluator(await loadEvalSet(await test(), EVAL_LIMIT));
const N = testEv.set.count;
const correctOf = async (q: Parameters<typeof testEv.logits>[0]) => countCorrect(await testEv.logits(q), testEv.set.labels, 10);
const pct = (c: number) => (100 * c) / N;
const base = { calibration: 'minmax' as const, limit: CALIB, engine };

const t8 = performance.now();
const levelOne = await quantizeModel(model, calib, base), { q8 } = levelOne; // every row starts from this 8-bit model
const calibSeconds = (performance.now() - t8) / 1000;
const c8 = await correctOf(q8);
log(`8-bit ${c8}/${N}`);
const rows: { what: string; flags: string; savingVsInt8Pct: number; correct: number; seconds: number }[] = [];
const allPot = [
  { what: 'all PoT 5-bit, log rule + re-fit + bias correction (before)', flags: '--pot all --refit-scale --bias-correction', o: { rounding: 'log' as const, refitScale: true, biasCorrection: true } },
  { what: 'all PoT 5-bit, output-aware (ours, default)', flags: '--pot all', o: { rounding: undefined } },
  { what: 'all PoT 4-bit, output-aware (ours, default)', flags: '--pot all --rounding floor', o: { rounding: 'floor' as const } },
];
for (const v of allPot.filter((x) => !QUICK || x.flags === '--pot all')) {
  const t = performance.now();
  const all = new Map(q8.nodes.filter((n) => n.op === 'conv' || n.op === 'gemm').map((n) => [n.name, codeBits(v.o.rounding ?? DEFAULT_POT_ROUNDING)]));
  const q = await levelTwo(model, q8, calib, all, { ...base, ...v.o });
  const seconds = (performance.now() - t) / 1000;
  rows.push({ what: v.what, flags: v.flags, savingVsInt8Pct: memoryReport(q).savingVsInt8Pct, correct: await correctOf(q), seconds });
  log(`${v.what}: ${rows.at(-1)!.correct}/${N} (${seconds.toFixed(1)} s)`);
}
const calibEv = await createEvaluator(await loadEvalSet(await calib(), CALIB));
for (const [what, flags, o] of [
  [`DoubleQExt near 23 %, ${METRIC} / knapsack, int8/5/4-bit, output-aware (ours${METRIC === DEFAULT_METRIC ? ', default' : ''})`, METRIC === DEFAULT_METRIC ? '--budget P%' : `--budget P% --metric ${METRIC}`, {}],
] as const) {
  const t = performance.now();
  const ext = await prepareExt(model, calib, { ...base, ...o }, undefined, levelOne);
  if (METRIC === 'sensitivity') await measureSensitivity(ext, calibEv);
  const target = nearestAchievableSaving(ext.layers, EXT);
  const s = await selectExt(ext, METRIC, { kind: 'saving', pct: target }, 'knapsack');
  const seconds = (performance.now() - t) / 1000;
  rows.push({ what: `${what}: budget ${target.toFixed(2)} %`, flags: flags.replace('P', target.toFixed(2)), savingVsInt8Pct: s.savingVsInt8Pct, correct: await correctOf(s.q), seconds });
  log(`${what}: ${rows.at(-1)!.correct}/${N}`);
}
await calibEv.close();
await testEv.close();

const machine = machineStamp();
const name = basename(modelFile, '.onnx');
const passed = (name: string) => (process.argv.includes(name) ? ` ${name} ${flag(name, '')}` : '');
const command = `npm run bench:pot-models -- --shared ${sharedArg} --model ${modelFile}${QUICK ? ' --quick' : ''}${passed('--calib-limit')}${passed('--eval-limit')}`;
const f2 = (x: number) => x.toFixed(2);
const cli = `doubleq quantize ${sharedArg}/models/${modelFile} --calib ${sharedArg}/data/cifar10/calib.bin${CALIB !== 1000 ? ` --calib-limit ${CALIB}` : ''} --format cifar10 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 <flags> --out m.dq`;
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}/${name}.md`, [
  `# Level two on ${modelFile}`,
  '',
  `Command: \`${command}\`. Calibration: first ${CALIB} images of calib.bin (min-max, per-channel int8). Evaluation: ${Number.isFinite(EVAL_LIMIT) ? 'first' : 'all'} ${N} test images on the integer wasm engine.`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, shared with other jobs; date ${machine.date}; run time ${((performance.now() - T0) / 60000).toFixed(1)} min.`,
  '',
  `Our 8-bit model: ${f2(pct(c8))} % (${c8}/${N}).`,
  '',
  '| configuration | CLI flags | kernel-weight memory saved vs 8-bit | top-1 | vs 8-bit (points) | time (s) |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.what} | \`${r.flags}\` | ${f2(r.savingVsInt8Pct)} % | ${f2(pct(r.correct))} % | ${pct(r.correct) >= pct(c8) ? '+' : '-'}${f2(Math.abs(pct(c8) - pct(r.correct)))} | ${r.seconds.toFixed(1)} |`),
  '',
  `Each row: \`${cli}\`, then \`doubleq eval m.dq --data ${sharedArg}/data/cifar10/test.bin${Number.isFinite(EVAL_LIMIT) ? ` --limit ${N}` : ''} --format cifar10 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225\`. Times: each row's level two (and, for the selection, the metrics) after the one 8-bit calibration all rows share (${calibSeconds.toFixed(1)} s).`,
  '',
].join('\n'));
writeFileSync(`${outDir}/${name}.json`, JSON.stringify({ command, machine, int8: { correct: c8, total: N }, rows }, null, 2) + '\n');
log(`wrote ${outDir}/${name}.md`);
