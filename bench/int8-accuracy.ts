// Top-1 of the 8-bit ResNet-20 on all 10,000 CIFAR-10 test images for each calibration method,
// per-channel and per-tensor weights, against the float model, calibrating on the first 1,000
// images of calib.bin. Writes bench/results/int8-accuracy.{json,md}.
//
//   npm run bench:int8-accuracy [-- --shared ../shared]

import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDataset } from '../src/data/node-files.js';
import { evaluate, floatClassifier, quantizedClassifier } from '../src/eval/evaluate.js';
import { calibrate, CALIBRATION_METHODS } from '../src/quant/calibrate.js';
import { quantizeInt8 } from '../src/quant/quantize-int8.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { readFileSync } from 'node:fs';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const CALIB = 1000, BATCH = 100;
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const modelPath = resolve(shared, 'models/resnet20-cifar10.onnx');
const test = () => openDataset(resolve(shared, 'data/cifar10/test.bin'), 'cifar10', { norm });
const calib = () => openDataset(resolve(shared, 'data/cifar10/calib.bin'), 'cifar10', { norm });

const engine = await loadEngine();
const model = FloatModel.fromBytes(new Uint8Array(readFileSync(modelPath)));
const fl = await evaluate(floatClassifier(model, engine), await test(), { batch: BATCH });
console.log(`float: ${fl.correct}/${fl.total} = ${fl.top1.toFixed(2)} %`);
const rows = [];
for (const method of CALIBRATION_METHODS) {
  const t0 = performance.now();
  const ranges = await calibrate(model, await calib(), { method, limit: CALIB, engine });
  const calibSeconds = (performance.now() - t0) / 1000;
  for (const perTensor of [false, true]) {
    const q = quantizeInt8(model.graphFor(1), ranges, { perTensor });
    const r = await evaluate(quantizedClassifier(q, engine, BATCH), await test(), { batch: BATCH });
    const norms = '--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225';
    const cli = `doubleq quantize ${sharedArg}/models/resnet20-cifar10.onnx --calib ${sharedArg}/data/cifar10/calib.bin --format cifar10 --calib-limit ${CALIB} --calibration ${method}${perTensor ? ' --per-tensor' : ''} ${norms} --out r20.dq && doubleq eval r20.dq --data ${sharedArg}/data/cifar10/test.bin --format cifar10 ${norms}`;
    const row = { method, weights: perTensor ? 'per-tensor' : 'per-channel', correct: r.correct, total: r.total, top1: r.top1, dropVsFloat: fl.top1 - r.top1, calibSeconds, evalSeconds: r.seconds, cli };
    console.log(`${method} ${row.weights}: ${r.correct}/${r.total} = ${r.top1.toFixed(2)} % (drop ${row.dropVsFloat.toFixed(2)} points)`);
    rows.push(row);
  }
}
const machine = machineStamp();
const command = `npm run bench:int8-accuracy -- --shared ${sharedArg}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/int8-accuracy.json', JSON.stringify({ command, machine, calibImages: CALIB, float: fl, rows }, null, 2) + '\n');
writeFileSync('bench/results/int8-accuracy.md', [
  '# 8-bit ResNet-20 on CIFAR-10: accuracy by calibration method',
  '',
  `Command: \`${command}\`. Calibration: first ${CALIB} images of calib.bin. Evaluation: all ${fl.total} images of test.bin, integer wasm engine (${engine.simd ? 'SIMD' : 'scalar'}).`,
  `Machine: ${machine.cpu}, Node ${machine.node}; date ${machine.date}.`,
  '',
  `Float reference: ${fl.top1.toFixed(2)} % (${fl.correct}/${fl.total}).`,
  '',
  '| calibration | weights | top-1 | correct | drop vs float (points) |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.method} | ${r.weights} | ${r.top1.toFixed(2)} % | ${r.correct}/${r.total} | ${r.dropVsFloat.toFixed(2)} |`),
  '',
  'Each row is reproduced by the CLI as well, e.g. the first:',
  '',
  '```sh',
  rows[0]!.cli.replace(' && ', ' \\\n  && '),
  '```',
  '',
].join('\n'));
console.log('wrote bench/results/int8-accuracy.{json,md}');
