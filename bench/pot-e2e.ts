// End-to-end ResNet-20 images/s, one thread: the all-power-of-two model on the shift-add
// kernels against the 8-bit model on the int8 kernels (and the PoT model on the int8 kernels
// with decoded weights), interleaved rounds, median. Writes bench/results/pot-e2e.{json,md}.
//
//   npm run bench:pot-e2e [-- --shared ../shared]

import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { openDataset } from '../src/data/node-files.js';
import { quantizeModel } from '../src/quant/quantize-model.js';
import { QExecutor } from '../src/runtime/q-executor.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { readFileSync } from 'node:fs';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const IMAGES = 128, ROUNDS = 7;
const engine = await loadEngine({ simd: true });
const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(shared, 'models/resnet20-cifar10.onnx'))));
const calib = () => openDataset(resolve(shared, 'data/cifar10/calib.bin'), 'cifar10', { norm });
const { q, q8 } = await quantizeModel(model, calib, { calibration: 'minmax', limit: 1000, engine, pot: 'all', rounding: 'log' });
let images: Float32Array = new Float32Array();
for await (const b of (await openDataset(resolve(shared, 'data/cifar10/test.bin'), 'cifar10', { norm })).batches(IMAGES, { limit: IMAGES })) images = b.images;

const load0 = loadavg();
const rows: { batch: number; contender: string; msPerImage: number }[] = [];
for (const batch of [1, 32]) {
  const contenders = [
    { name: '8-bit, int8 SIMD kernels', ex: new QExecutor(q8, engine, batch) },
    { name: 'all power-of-two, shift-add SIMD kernels', ex: new QExecutor(q, engine, batch) },
    { name: 'all power-of-two, int8 SIMD kernels on decoded weights', ex: new QExecutor(q, engine, batch, { potKernels: 'int8' }) },
  ];
  const times = contenders.map(() => [] as number[]);
  for (const c of contenders) c.ex.run(images.subarray(0, batch * 3072), batch); // warm-up
  for (let r = 0; r < ROUNDS; r++)
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length;
      const t0 = performance.now();
      for (let s = 0; s < IMAGES; s += batch) contenders[i]!.ex.run(images.subarray(s * 3072, (s + batch) * 3072), batch);
      times[i]!.push((performance.now() - t0) / IMAGES);
    }
  contenders.forEach((c, i) => {
    const sorted = times[i]!.sort((a, b) => a - b);
    rows.push({ batch, contender: c.name, msPerImage: sorted[Math.floor(sorted.length / 2)]! });
  });
}
const machine = machineStamp();
const command = `npm run bench:pot-e2e -- --shared ${sharedArg}`;
const ratio = (b: number) => rows.find((r) => r.batch === b && r.contender.startsWith('8-bit'))!.msPerImage / rows.find((r) => r.batch === b && r.contender.includes('shift-add'))!.msPerImage;
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/pot-e2e.json', JSON.stringify({ command, machine, loadavg: [load0, loadavg()], rows }, null, 2) + '\n');
writeFileSync('bench/results/pot-e2e.md', [
  '# End-to-end ResNet-20: all power-of-two (shift-add) vs 8-bit, one thread',
  '',
  `Command: \`${command}\`. ${IMAGES} CIFAR-10 test images per round, median of ${ROUNDS} interleaved rounds.`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (V8 ${machine.v8}); date ${machine.date}; load average ${load0.map((x) => x.toFixed(2)).join(' / ')} at start.`,
  '',
  '| batch | contender | ms / image | images / s |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.batch} | ${r.contender} | ${r.msPerImage.toFixed(3)} | ${(1000 / r.msPerImage).toFixed(0)} |`),
  '',
  `All-PoT shift-add / 8-bit speed: ${ratio(1).toFixed(2)}x at batch 1, ${ratio(32).toFixed(2)}x at batch 32.`,
  '',
].join('\n'));
console.log(readFileSync('bench/results/pot-e2e.md', 'utf8'));
