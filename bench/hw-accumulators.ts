// Accumulator widths of `doubleq inspect --hw`, measured: runs the DoubleQExt ResNet-20 on all
// 10,000 CIFAR-10 test images with the PE's accumulation order (src/hw/acc-trace.ts), records
// the extremes every partial sum reaches per layer, checks them against the reported bound,
// and checks the outputs against the wasm engine's bytes. Writes bench/results/hw-accumulators.{json,md}.
//
//   npm run bench:hw-accumulators [-- --shared ../shared --model r20-ext.dq --limit N --jobs J]
// --jobs J runs J child processes on every J-th batch each and merges their extremes.
// Without --model the model is made first with the README's DoubleQExt command (build/r20-ext.dq).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDataset } from '../src/data/node-files.js';
import { readQModel } from '../src/format/qmodel.js';
import { traceAccumulators, type AccExtremes } from '../src/hw/acc-trace.js';
import { signedBits } from '../src/hw/accumulator-width.js';
import { hwReport } from '../src/hw/hw-report.js';
import { QExecutor } from '../src/runtime/q-executor.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const limit = Number(flag('--limit', '10000'));
const NORM = '--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225';
const QUANTIZE = `doubleq quantize ${sharedArg}/models/resnet20-cifar10.onnx --calib ${sharedArg}/data/cifar10/calib.bin --format cifar10 ${NORM} --budget 23% --rounding log --refit-scale --bias-correction --out build/r20-ext.dq`;
let modelPath = flag('--model', '');
if (!modelPath) {
  modelPath = 'build/r20-ext.dq';
  if (!existsSync(modelPath)) {
    console.log(`making the model: ${QUANTIZE}`);
    const r = spawnSync(process.execPath, ['bin/doubleq.js', ...QUANTIZE.split(' ').slice(1)], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('quantize failed');
  }
}
const q = readQModel(new Uint8Array(readFileSync(modelPath)));
const report = hwReport(q, modelPath);
const engine = await loadEngine();
const BATCH = 50;
const ex = new QExecutor(q, engine, BATCH);
const data = await openDataset(resolve(shared, 'data/cifar10/test.bin'), 'cifar10', { norm: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } });
const jobs = Number(flag('--jobs', '1'));
const shard = flag('--shard', '');
const ext = new Map<string, AccExtremes>();
let finished = false;
let images = 0, mismatches = 0;
const t0 = performance.now();
if (jobs > 1 && !shard) {
  // children: same flags plus --shard i/J, each prints one JSON line with its extremes
  const runs = Array.from({ length: jobs }, (_, i) => new Promise<{ ext: [string, AccExtremes][]; images: number; mismatches: number }>((res, rej) => {
    const c = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--model', modelPath, '--shard', `${i}/${jobs}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`shard ${i} failed`))));
  }));
  for (const r of await Promise.all(runs)) {
    images += r.images;
    mismatches += r.mismatches;
    for (const [k, e] of r.ext) {
      const cur = ext.get(k) ?? { lo: Infinity, hi: -Infinity };
      ext.set(k, { lo: Math.min(cur.lo, e.lo), hi: Math.max(cur.hi, e.hi) });
    }
  }
} else {
  const [si, sn] = shard ? shard.split('/').map(Number) as [number, number] : [0, 1];
  let batch = 0;
  for await (const b of data.batches(BATCH, { limit })) {
    if (batch++ % sn !== si) continue;
    const ours = traceAccumulators(q, b.images, b.count, ext)[0]!;
    const eng = ex.runQuantized(b.images, b.count)[0]!;
    if (ours.length !== eng.length || ours.some((v, i) => v !== eng[i])) mismatches++;
    images += b.count;
    if (images % 1000 === 0) {
      console.error(`shard ${si}/${sn}: ${images} images, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      if (!shard) writeResults();
    }
  }
  if (shard) {
    console.log(JSON.stringify({ ext: [...ext], images, mismatches }));
    process.exit(0);
  }
}
function writeResults(): boolean {
  const seconds = (performance.now() - t0) / 1000;
  const partial = finished ? '' : ` (still running: ${images} images so far)`;
  const rows = report.layers.map((l) => {
    const e = ext.get(l.name)!;
    const measuredBits = signedBits(e.lo, e.hi);
    return { name: l.name, format: l.format, taps: l.taps, measuredLo: e.lo, measuredHi: e.hi, measuredBits, boundLo: l.accumulatorRange[0], boundHi: l.accumulatorRange[1],
      reportedBits: l.accumulatorBits, genericBits: l.genericAccumulatorBits, withinBound: e.lo >= l.accumulatorRange[0] && e.hi <= l.accumulatorRange[1] && measuredBits <= l.accumulatorBits };
  });
  const allWithin = rows.every((r) => r.withinBound);
  const tighter = rows.filter((r) => r.reportedBits < r.genericBits).length;
  const machine = machineStamp();
  const command = `npm run bench:hw-accumulators -- --shared ${sharedArg}${flag('--model', '') ? ` --model ${modelPath}` : ''}${limit !== 10000 ? ` --limit ${limit}` : ''}${jobs > 1 ? ` --jobs ${jobs}` : ''}`;
  const result = { command, quantize: QUANTIZE, machine, model: modelPath, images, seconds, engineMismatchBatches: mismatches, allWithinBound: allWithin, tighterThanGeneric: tighter, layers: rows };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/hw-accumulators.json', JSON.stringify(result, null, 2) + '\n');
  const fmt = (n: number) => n.toLocaleString('en-US');
  writeFileSync('bench/results/hw-accumulators.md', [
    `# Accumulator widths of \`inspect --hw\`, measured on CIFAR-10${partial}`,
    '',
    `Command: \`${command}\` (model: \`${QUANTIZE}\`). ${fmt(images)} test images, ${seconds.toFixed(0)} s; machine ${machine.cpu} (${machine.cores} cores, shared with other jobs), Node ${machine.node}, ${machine.date}.`,
    '',
    `Every partial sum of every output, accumulated as the PE does (bias, then tap by tap), stays inside the reported range: **${allWithin ? 'yes, every layer' : 'NO'}**. ` +
      `Reported width narrower than the generic bound: ${tighter} of ${rows.length} layers. Outputs equal the wasm engine's bytes in every batch: ${mismatches === 0 ? 'yes' : `no (${mismatches} batches differ)`}.`,
    '',
    '| layer | weights | taps | measured partial sums | bits needed | reported bound | reported bits | generic bits |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.format} | ${r.taps} | [${fmt(r.measuredLo)}, ${fmt(r.measuredHi)}] | ${r.measuredBits} | [${fmt(r.boundLo)}, ${fmt(r.boundHi)}] | ${r.reportedBits} | ${r.genericBits} |`),
    '',
  ].join('\n'));
  if (!partial) console.log(`${images} images: within bound ${allWithin}, tighter than generic ${tighter}/${rows.length}, engine mismatching batches ${mismatches}; wrote bench/results/hw-accumulators.{json,md}`);
  return allWithin && mismatches === 0;
}
finished = true;
if (!writeResults()) process.exitCode = 1;
