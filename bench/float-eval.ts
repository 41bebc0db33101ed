// Full CIFAR-10 evaluation of the shared ResNet-20 files with the float engine, against
// onnxruntime-node (accuracy oracle) and onnxruntime-web (wasm, SIMD, 1 thread: speed peer)
// measured in the same run. Writes bench/results/float-eval.{json,md}.
//
//   npm run bench:float [-- --shared ../shared --limit N]

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { openDataset } from '../src/data/node-files.js';
import { argmaxRow, evaluate, floatClassifier } from '../src/eval/evaluate.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const shared = resolve(flag('--shared', '../shared'));
const limit = Number(flag('--limit', '10000'));
const peerLimit = Number(flag('--peer-limit', '1000'));
const BATCH = 100;
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const testBin = resolve(shared, 'data/cifar10/test.bin');

type OrtLike = typeof ortNode | typeof ortWeb;

async function ortEval(ort: OrtLike, bytes: Uint8Array, n: number, opts: object) {
  const session = await (ort.InferenceSession as typeof ortNode.InferenceSession).create(bytes, opts);
  const data = await openDataset(testBin, 'cifar10', { norm });
  let correct = 0, total = 0;
  const t0 = performance.now();
  for await (const b of data.batches(BATCH, { limit: n })) {
    const out = await session.run({ input: new (ort.Tensor as typeof ortNode.Tensor)('float32', b.images, [b.count, 3, 32, 32]) });
    const logits = out.logits!.data as Float32Array;
    for (let i = 0; i < b.count; i++) if (argmaxRow(logits, i, 10) === b.labels[i]) correct++;
    total += b.count;
  }
  const seconds = (performance.now() - t0) / 1000;
  await session.release();
  return { correct, total, top1: (100 * correct) / total, seconds, imagesPerSecond: total / seconds };
}

const engine = await loadEngine();
ortWeb.env.wasm.numThreads = 1;
ortWeb.env.wasm.simd = true;
const rows = [];
for (const file of ['resnet20-cifar10.onnx', 'resnet20-cifar10-bn.onnx']) {
  const bytes = new Uint8Array(readFileSync(resolve(shared, 'models', file)));
  const model = FloatModel.fromBytes(bytes);
  const data = await openDataset(testBin, 'cifar10', { norm });
  const ours = await evaluate(floatClassifier(model, engine), data, { batch: BATCH, limit });
  const node = await ortEval(ortNode, bytes, limit, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const web = await ortEval(ortWeb, bytes, Math.min(peerLimit, limit), { executionProviders: ['wasm'] });
  const ourIps = ours.total / ours.seconds;
  const row = { file, ours: { ...ours, imagesPerSecond: ourIps, engine: engine.simd ? 'wasm-simd' : 'wasm-scalar' }, onnxruntimeNode: node, onnxruntimeWeb: web, speedVsOrtWeb: ourIps / web.imagesPerSecond };
  console.log(`${file}: doubleq ${ours.correct}/${ours.total} = ${ours.top1.toFixed(2)} % in ${ours.seconds.toFixed(1)} s (${ourIps.toFixed(0)} img/s); ` +
    `onnxruntime-node ${node.correct}/${node.total} = ${node.top1.toFixed(2)} %; onnxruntime-web wasm ${web.imagesPerSecond.toFixed(0)} img/s on ${web.total} images; ratio doubleq/ort-web ${row.speedVsOrtWeb.toFixed(2)}x`);
  rows.push(row);
}

const machine = machineStamp();
const command = `npm run bench:float -- --shared ${flag('--shared', '../shared')}${limit !== 10000 ? ` --limit ${limit}` : ''}`;
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/float-eval.json', JSON.stringify({ command, machine, batch: BATCH, rows }, null, 2) + '\n');
const md = [
  '# Float engine: ResNet-20 on CIFAR-10',
  '',
  `Command: \`${command}\``,
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, ${machine.os}, Node ${machine.node} (V8 ${machine.v8}); date ${machine.date}. One thread, batch ${BATCH}.`,
  '',
  '| model file | doubleq top-1 | correct | time (s) | doubleq img/s | onnxruntime-node top-1 | onnxruntime-web (wasm SIMD, 1 thread) img/s | doubleq / ort-web |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.file} | ${r.ours.top1.toFixed(2)} % | ${r.ours.correct}/${r.ours.total} | ${r.ours.seconds.toFixed(1)} | ${r.ours.imagesPerSecond.toFixed(0)} | ${r.onnxruntimeNode.top1.toFixed(2)} % (${r.onnxruntimeNode.correct}) | ${r.onnxruntimeWeb.imagesPerSecond.toFixed(0)} (first ${r.onnxruntimeWeb.total} images) | ${r.speedVsOrtWeb.toFixed(2)}x |`),
  '',
  'Reference figure (`shared/models/README.md`): 91.73 %, 9,173 / 10,000, for both files.',
  '',
].join('\n');
writeFileSync('bench/results/float-eval.md', md);
console.log('wrote bench/results/float-eval.{json,md}');
