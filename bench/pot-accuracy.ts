// DoubleQ (every layer power-of-two) on the shared ResNet-20: top-1 on all 10,000 CIFAR-10 test
// images for each rounding rule, plain and with scale re-fit and/or bias correction, against
// our 8-bit model and the paper's figures. Calibration: first 1,000 images of calib.bin (min-max,
// per-channel). Writes bench/results/pot-accuracy.{json,md}.
//
//   npm run bench:pot-accuracy [-- --shared ../shared]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDataset } from '../src/data/node-files.js';
import { evaluate, quantizedClassifier } from '../src/eval/evaluate.js';
import { writeQModel } from '../src/format/qmodel.js';
import { memoryReport } from '../src/plan/memory-report.js';
import { correctPotBias } from '../src/quant/bias-correction.js';
import { calibrate } from '../src/quant/calibrate.js';
import { layerFloatWeights, quantizeInt8 } from '../src/quant/quantize-int8.js';
import { POT_ROUNDINGS } from '../src/core/pot-codec.js';
import { quantizePot, resolveLayers } from '../src/quant/quantize-pot.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const CALIB = 1000, BATCH = 100;
const PAPER_DROP = 7.28;
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const test = () => openDataset(resolve(shared, 'data/cifar10/test.bin'), 'cifar10', { norm });
const calib = () => openDataset(resolve(shared, 'data/cifar10/calib.bin'), 'cifar10', { norm });

const engine = await loadEngine();
const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(shared, 'models/resnet20-cifar10.onnx'))));
const g = model.graphFor(1);
const ranges = await calibrate(model, await calib(), { method: 'minmax', limit: CALIB, engine });
const q8 = quantizeInt8(g, ranges);
const base = await evaluate(quantizedClassifier(q8, engine, BATCH), await test(), { batch: BATCH });
console.log(`8-bit: ${base.correct}/${base.total} = ${base.top1.toFixed(2)} %`);
const floatWeights = layerFloatWeights(g, q8);
const all = resolveLayers(q8, 'all');
const norms = '--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225';
const rows = [];
for (const rule of POT_ROUNDINGS) {
  for (const [refitScale, biasCorrection] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    let q = quantizePot(q8, all, { rule, refitScale, floatWeights });
    if (biasCorrection) q = await correctPotBias(q, model, floatWeights, await calib(), { limit: CALIB, engine });
    const r = await evaluate(quantizedClassifier(q, engine, BATCH), await test(), { batch: BATCH });
    const mem = memoryReport(q, writeQModel(q));
    const variant = [refitScale ? 'scale re-fit' : '', biasCorrection ? 'bias correction' : ''].filter(Boolean).join(' + ') || 'plain';
    const flags = `--pot all --rounding ${rule}${refitScale ? ' --refit-scale' : ''}${biasCorrection ? ' --bias-correction' : ''}`;
    const row = { rule, variant, refitScale, biasCorrection, codeBits: mem.layers[0]!.codeBits, correct: r.correct, total: r.total, top1: r.top1,
      dropVsInt8: base.top1 - r.top1, savingVsInt8Pct: mem.savingVsInt8Pct, fileBytes: mem.wholeModel.total,
      cli: `doubleq quantize ${sharedArg}/models/resnet20-cifar10.onnx --calib ${sharedArg}/data/cifar10/calib.bin --format cifar10 ${norms} ${flags} --out pot.dq && doubleq eval pot.dq --data ${sharedArg}/data/cifar10/test.bin --format cifar10 ${norms}` };
    console.log(`${rule} ${variant}: ${r.correct}/${r.total} = ${r.top1.toFixed(2)} % (drop ${row.dropVsInt8.toFixed(2)}), ${mem.savingVsInt8Pct.toFixed(2)} % saved`);
    rows.push(row);
  }
}
const machine = machineStamp();
const command = `npm run bench:pot-accuracy -- --shared ${sharedArg}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/pot-accuracy.json', JSON.stringify({ command, machine, calibImages: CALIB, int8: base, paperDropVsInt8: PAPER_DROP, rows }, null, 2) + '\n');
writeFileSync('bench/results/pot-accuracy.md', [
  '# DoubleQ (all layers power-of-two) on ResNet-20 / CIFAR-10',
  '',
  `Command: \`${command}\`. Calibration: first ${CALIB} images of calib.bin (min-max, per-channel int8 first). Evaluation: all ${base.total} test images on the integer wasm engine.`,
  `Machine: ${machine.cpu}, Node ${machine.node}; date ${machine.date}.`,
  '',
  `Our 8-bit model: ${base.top1.toFixed(2)} % (${base.correct}/${base.total}). The paper (DoubleQ, all layers PoT, 5-bit codes): -37.50 % memory, -${PAPER_DROP} points against its 8-bit model.`,
  '',
  '| rule | code bits | variant | top-1 | correct | drop vs our 8-bit (points) | vs the paper\'s drop | kernel-weight memory saved vs 8-bit | file bytes |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.rule} | ${r.codeBits} | ${r.variant} | ${r.top1.toFixed(2)} % | ${r.correct}/${r.total} | ${r.dropVsInt8.toFixed(2)} | ${(PAPER_DROP - r.dropVsInt8) >= 0 ? `${(PAPER_DROP - r.dropVsInt8).toFixed(2)} points better` : `${(r.dropVsInt8 - PAPER_DROP).toFixed(2)} points worse`} | ${r.savingVsInt8Pct.toFixed(2)} % | ${r.fileBytes.toLocaleString('en-US')} |`),
  '',
  'Each row is reproduced by the CLI, e.g. the first:',
  '',
  '```sh',
  rows[0]!.cli.replace(' && ', ' \\\n  && '),
  '```',
  '',
].join('\n'));
console.log('wrote bench/results/pot-accuracy.{json,md}');
