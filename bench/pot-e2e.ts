// End-to-end ResNet-20 speed and resident memory, one thread, batch 1 and 32: every weight form
// side by side in one run, interleaved rounds (the order rotates), median per contender:
//   8-bit, int8 resident at 1 byte per weight, unpacked per call (default) or widened in the
//   kernel loop | 8-bit, int16 resident (the layout before issue 10: the same-run "before" peer) | all power-of-two (log, 5-bit) compact
//   (codes unpacked per call) and fast (shift-add tap lists) | all power-of-two floor (4-bit)
//   compact | mixed (every other weight layer power-of-two) compact and fast.
// Resident bytes are the memory report's runtimeBytes (equal to the engine's allocation count).
// Writes bench/results/pot-e2e.{json,md}.
//
//   npm run build && npm run bench:pot-e2e [-- --shared ../shared --rounds 7 --images 128]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { openDataset } from '../src/data/node-files.js';
import type { QGraph } from '../src/ir/qgraph.js';
import { memoryReport, type RuntimeBytes } from '../src/plan/memory-report.js';
import { quantizeModel } from '../src/quant/quantize-model.js';
import { quantizePot, resolveLayers } from '../src/quant/quantize-pot.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { QExecutor, type QExecutorOptions } from '../src/runtime/q-executor.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const ROUNDS = Number(flag('--rounds', '7'));
const IMAGES = Number(flag('--images', '128'));
if (!(ROUNDS >= 1) || !(IMAGES >= 32) || IMAGES % 32 !== 0) throw new Error('--rounds must be >= 1 and --images a multiple of 32');
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const engine = await loadEngine({ simd: true });
const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(shared, 'models/resnet20-cifar10.onnx'))));
const calib = () => openDataset(resolve(shared, 'data/cifar10/calib.bin'), 'cifar10', { norm });
const { q, q8 } = await quantizeModel(model, calib, { calibration: 'minmax', limit: 1000, engine, pot: 'all', rounding: 'log' });
const all = resolveLayers(q8, 'all');
const q4 = quantizePot(q8, all, { rule: 'floor' });
const mixed = quantizePot(q8, new Set([...all].filter((_, i) => i % 2 === 1)), { rule: 'log' });
let images: Float32Array = new Float32Array();
for await (const b of (await openDataset(resolve(shared, 'data/cifar10/test.bin'), 'cifar10', { norm })).batches(IMAGES, { limit: IMAGES })) images = b.images;

interface Contender { name: string; q: QGraph; opts: QExecutorOptions }
const CONTENDERS: Contender[] = [
  { name: '8-bit, int8 resident, unpacked per call (default)', q: q8, opts: {} },
  { name: '8-bit, int8 resident, widened in the loop', q: q8, opts: { int8Form: 'widen' } },
  { name: '8-bit, int16 resident (before)', q: q8, opts: { int8Form: 'int16' } },
  { name: 'all PoT log 5-bit, compact (codes)', q, opts: { weights: 'compact' } },
  { name: 'all PoT log 5-bit, fast (shift-add)', q, opts: { weights: 'fast' } },
  { name: 'all PoT floor 4-bit, compact (codes)', q: q4, opts: { weights: 'compact' } },
  { name: 'mixed (every other layer PoT), compact', q: mixed, opts: { weights: 'compact' } },
  { name: 'mixed (every other layer PoT), fast', q: mixed, opts: { weights: 'fast' } },
  { name: '8-bit, fast (= int16 resident)', q: q8, opts: { weights: 'fast' } },
];

const load0 = loadavg();
const rows: { batch: number; contender: string; msPerImage: number; runtimeBytes: RuntimeBytes }[] = [];
for (const batch of [1, 32]) {
  const ex = CONTENDERS.map((c) => new QExecutor(c.q, engine, batch, c.opts));
  const times = CONTENDERS.map(() => [] as number[]);
  for (const e of ex) e.run(images.subarray(0, batch * 3072), batch); // warm-up
  for (let r = 0; r < ROUNDS; r++)
    for (let k = 0; k < ex.length; k++) {
      const i = (k + r) % ex.length;
      const t0 = performance.now();
      for (let s = 0; s < IMAGES; s += batch) ex[i]!.run(images.subarray(s * 3072, (s + batch) * 3072), batch);
      times[i]!.push((performance.now() - t0) / IMAGES);
    }
  CONTENDERS.forEach((c, i) => {
    const sorted = times[i]!.sort((a, b) => a - b);
    rows.push({ batch, contender: c.name, msPerImage: sorted[Math.floor(sorted.length / 2)]!, runtimeBytes: ex[i]!.footprint });
  });
}
const resident = CONTENDERS.map((c) => ({ contender: c.name, ...memoryReport(c.q, undefined, { weights: c.opts.weights, int8Form: c.opts.int8Form }).runtimeBytes }));
const machine = machineStamp();
const command = `npm run bench:pot-e2e -- --shared ${sharedArg} --rounds ${ROUNDS} --images ${IMAGES}`;
const ms = (b: number, name: string) => rows.find((r) => r.batch === b && r.contender === name)!.msPerImage;
const ratioLine = (b: number) => {
  const base = ms(b, CONTENDERS[0]!.name);
  return `batch ${b}: ` + CONTENDERS.slice(1).map((c) => `${c.name} ${(ms(b, c.name) / base).toFixed(3)}x`).join('; ');
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/pot-e2e.json', JSON.stringify({ command, machine, loadavg: [load0, loadavg()], shared: 'machine shared with other jobs', rows, resident }, null, 2) + '\n');
const fmt = (n: number) => n.toLocaleString('en-US');
writeFileSync('bench/results/pot-e2e.md', [
  '# End-to-end ResNet-20: weight forms side by side (speed and resident memory), one thread',
  '',
  `Command: \`${command}\`. ${IMAGES} CIFAR-10 test images per round, median of ${ROUNDS} interleaved rounds, wasm SIMD.`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (V8 ${machine.v8}); date ${machine.date}; load average ${load0.map((x) => x.toFixed(2)).join(' / ')} at start, ` +
    `${loadavg().map((x) => x.toFixed(2)).join(' / ')} at the end (the machine was shared with other jobs: compare ratios within this run, not absolute times).`,
  '',
  '| batch | contender | ms / image | images / s | resident bytes (total) |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.batch} | ${r.contender} | ${r.msPerImage.toFixed(3)} | ${(1000 / r.msPerImage).toFixed(0)} | ${fmt(r.runtimeBytes.total)} |`),
  '',
  'Time relative to the first row (lower is faster):',
  '',
  `- ${ratioLine(1)}`,
  `- ${ratioLine(32)}`,
  '',
  '## Resident wasm memory at batch 1 (runtimeBytes, bytes)',
  '',
  '| contender | weights | constants | scratch | arena | total |',
  '|---|---|---|---|---|---|',
  ...resident.map((r) => `| ${r.contender} | ${fmt(r.weights)} | ${fmt(r.constants)} | ${fmt(r.scratch)} | ${fmt(r.arena)} | ${fmt(r.total)} |`),
  '',
].join('\n'));
console.log(readFileSync('bench/results/pot-e2e.md', 'utf8'));
