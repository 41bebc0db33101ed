// Which selection defaults (layer metric, search) DoubleQExt should use: on one CIFAR-10 model of
// ../shared, output-aware PoT at 5 and 4 bits (int8 / 5 / 4 per layer), the `error` and
// `sensitivity` metrics (sensitivity measured on the calibration images, as the CLI does) with the
// greedy and knapsack searches at several budgets, and --max-drop with each metric; every
// selection evaluated on the first --eval-limit test images. Writes results/select-defaults-<model>.md / .json.
//
//   npm run bench:select-defaults -- [--shared ../shared] [--model resnet20-cifar10.onnx] [--eval-limit 2000] [--max-drop 0.5 | none]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { openDataset } from '../src/data/node-files.js';
import { createEvaluator, loadEvalSet } from '../src/parallel/eval-pool.js';
import { measureSensitivity, prepareExt, selectExt } from '../src/quant/doubleqext.js';
import { SetEvaluator } from '../src/quant/frontier.js';
import { nearestAchievableSaving, SEARCHES } from '../src/quant/select-layers.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const modelFile = flag('--model', 'resnet20-cifar10.onnx');
const shared = resolve(sharedArg);
const CALIB = Number(flag('--calib-limit', '1000')), EVAL = Number(flag('--eval-limit', '2000'));
const DROPS = flag('--max-drop', '0.5').split(',').filter((x) => x !== 'none').map(Number); // 'none': no --max-drop runs
const BUDGETS = [10, 20, 23.05, 30, 40, 45];
const METRICS = ['error', 'sensitivity'] as const;
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const calib = () => openDataset(resolve(shared, 'data/cifar10/calib.bin'), 'cifar10', { norm });
const test = () => openDataset(resolve(shared, 'data/cifar10/test.bin'), 'cifar10', { norm });
const T0 = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - T0) / 1000).toFixed(0)} s] ${s}`);

const engine = await loadEngine();
const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(shared, 'models', modelFile))));
const ext = await prepareExt(model, calib, { calibration: 'minmax', limit: CALIB, engine });
log(`quantized: ${ext.layers.length} layers, 8-bit + all-PoT 5 and 4 bits`);
const calibEv = await createEvaluator(await loadEvalSet(await calib(), CALIB));
const base = await measureSensitivity(ext, calibEv, (_s, d, t) => d % 10 === 0 && log(`sensitivity ${d}/${t}`));
log(`sensitivity: ${ext.seconds.sensitivity.toFixed(0)} s`);
const testEv = await createEvaluator(await loadEvalSet(await test(), EVAL));
const N = testEv.set.count, sets = new SetEvaluator(ext, testEv);
const c8 = await sets.correct({});
const drop = (c: number) => (100 * (c8 - c)) / N;

const rows: { target: string; metric: string; search: string; savingVsInt8Pct: number; layers: number; at4: number; correct: number; dropPoints: number; calibDropPoints?: number }[] = [];
const row = async (target: string, metric: string, search: string, s: { bits: Record<string, number>; savingVsInt8Pct: number; measuredDropPoints?: number }) => {
  const c = await sets.correct(s.bits), v = Object.values(s.bits);
  rows.push({ target, metric, search, savingVsInt8Pct: s.savingVsInt8Pct, layers: v.length, at4: v.filter((b) => b === 4).length, correct: c, dropPoints: drop(c), calibDropPoints: s.measuredDropPoints });
  log(`${target} ${metric}/${search}: ${s.savingVsInt8Pct.toFixed(2)} % ${c}/${N} (${drop(c).toFixed(2)})`);
};
for (const b of BUDGETS) {
  const pct = b === 23.05 ? nearestAchievableSaving(ext.layers, b) : b;
  for (const metric of METRICS) for (const search of SEARCHES) await row(`${pct.toFixed(2)} %`, metric, search, await selectExt(ext, metric, { kind: 'saving', pct }, search));
}
for (const d of DROPS) for (const metric of METRICS) await row(`max-drop ${d}`, metric, 'greedy-remeasure', await selectExt(ext, metric, { kind: 'max-drop', points: d }, 'greedy', calibEv, base));
await calibEv.close();
await testEv.close();

// per metric / search over the budgets: mean and worst drop (the max-drop rows: saving at the target)
const summary = METRICS.flatMap((metric) => SEARCHES.map((search) => {
  const r = rows.filter((x) => x.metric === metric && x.search === search);
  return { metric, search, meanDrop: r.reduce((s, x) => s + x.dropPoints, 0) / r.length, worstDrop: Math.max(...r.map((x) => x.dropPoints)), meanSaving: r.reduce((s, x) => s + x.savingVsInt8Pct, 0) / r.length };
}));
const name = basename(modelFile, '.onnx');
const machine = machineStamp();
const command = `npm run bench:select-defaults -- --shared ${sharedArg} --model ${modelFile} --eval-limit ${EVAL}${CALIB !== 1000 ? ` --calib-limit ${CALIB}` : ''}${DROPS.length ? ` --max-drop ${DROPS.join(',')}` : ' --max-drop none'}`;
const f2 = (x: number) => x.toFixed(2);
mkdirSync('results', { recursive: true });
writeFileSync(`results/select-defaults-${name}.json`, JSON.stringify({ command, machine, calibImages: CALIB, evalImages: N, int8Correct: c8, rows, summary, layers: ext.layers }, (_k, v) => (v === Infinity ? null : v), 2) + '\n');
writeFileSync(`results/select-defaults-${name}.md`, [
  `# Selection defaults measured on ${modelFile}`,
  '',
  `Command: \`${command}\`. Output-aware PoT (gptq), each layer int8 / 5-bit / 4-bit. Calibration and sensitivity: first ${CALIB} images of calib.bin; ` +
    `evaluation: first ${N} images of test.bin (a decision between metrics, not a record: differences below about ${f2(100 * Math.sqrt(0.1 * 0.9 / N) * 1.4)} points are noise). Our 8-bit model there: ${f2((100 * c8) / N)} %.`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, shared with other jobs; date ${machine.date}; run time ${((performance.now() - T0) / 60000).toFixed(1)} min.`,
  '',
  '| target | metric | search | saved vs 8-bit | PoT layers (4-bit) | top-1 drop vs 8-bit (points) | drop on calibration images |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.target} | ${r.metric} | ${r.search} | ${f2(r.savingVsInt8Pct)} % | ${r.layers} (${r.at4}) | ${f2(r.dropPoints)} | ${r.calibDropPoints === undefined ? '' : f2(r.calibDropPoints)} |`),
  '',
  '| metric | search | mean drop over the budgets | worst drop |',
  '|---|---|---|---|',
  ...summary.map((s) => `| ${s.metric} | ${s.search} | ${f2(s.meanDrop)} | ${f2(s.worstDrop)} |`),
  '',
].join('\n'));
log(`wrote results/select-defaults-${name}.md`);
