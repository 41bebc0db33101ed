// ResNet-20 int8 at batch 1, 1 thread (QExecutor) vs 2 threads (ParallelQExecutor), nothing
// else in the process: the issue-14 acceptance figure without other runtimes' threads around
// (bench:int8's threads table has the onnxruntime comparison). Rounds of 128 images each,
// alternating which executor goes first; every round's figure is kept, the median reported.
// Writes bench/results/threads-batch1.{json,md}.
//
//   npm run build && node dist/bench/threads-batch1.js [--shared ../shared] [--rounds 21]

import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { ParallelQExecutor } from '../src/runtime/parallel-executor.js';
import { QExecutor } from '../src/runtime/q-executor.js';
import { flag } from './args.js';
import { median, PER, quantizedModel, testImages } from './e2e-harness.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const ROUNDS = Number(flag('--rounds', '21'));
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new Error('--rounds must be a positive integer');
const IMAGES = 128, CALIB = 1000;
const loadStart = loadavg();

const { engine, q8 } = await quantizedModel(shared, 'resnet20-cifar10.onnx', CALIB);
const { images } = await testImages(shared, IMAGES);

const one = new QExecutor(q8, engine, 1);
const two = await ParallelQExecutor.create(q8, 1, { threads: 2, simd: true });
const exs = { one, two } as const;
const pass = (k: keyof typeof exs): { ms: number; out: Uint8Array } => {
  const out = new Uint8Array(IMAGES * 10 * 4);
  const t0 = performance.now();
  for (let i = 0; i < IMAGES; i++) out.set(new Uint8Array(exs[k].run(images.subarray(i * PER, (i + 1) * PER), 1)[0]!.buffer.slice(0, 40)), i * 40);
  return { ms: (performance.now() - t0) / IMAGES, out };
};
pass('one');
pass('two'); // warm-up
const ms: Record<'one' | 'two', number[]> = { one: [], two: [] };
for (let r = 0; r < ROUNDS; r++)
  for (const k of r % 2 === 0 ? (['one', 'two'] as const) : (['two', 'one'] as const)) {
    const p = pass(k);
    ms[k].push(p.ms);
    if (k === 'two' && r === 0 && Buffer.compare(Buffer.from(p.out), Buffer.from(pass('one').out)) !== 0) throw new Error('2 threads differ from 1 thread');
  }
const m1 = median(ms.one), m2 = median(ms.two);
const loadEnd = loadavg(), machine = machineStamp(), sleeps = two.sleeps, steals = two.steals, barriers = two.barriers(1);
await two.dispose();
const command = `npm run build && node dist/bench/threads-batch1.js${sharedArg !== '../shared' ? ` --shared ${sharedArg}` : ''}${ROUNDS !== 21 ? ` --rounds ${ROUNDS}` : ''}`;
const result = { command, machine, load: { start: loadStart, end: loadEnd }, rounds: ROUNDS, imagesPerRound: IMAGES, msPerImage: { oneThread: m1, twoThreads: m2 }, ratio: m1 / m2, barriersPerRun: barriers, barrierWaitsSlept: sleeps, unitsStolen: steals, perRound: ms };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/threads-batch1.json', JSON.stringify(result, null, 2) + '\n');
const f = (v: number) => v.toFixed(3);
const md = [
  '# ResNet-20 int8, batch 1: 1 vs 2 threads, nothing else in the process', '',
  `Command: \`${command}\``, '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; date ${machine.date}. Load average at start ${loadStart.map((v) => v.toFixed(2)).join(' / ')}, at end ${loadEnd.map((v) => v.toFixed(2)).join(' / ')}.`, '',
  `Median over ${ROUNDS} rounds of the first ${IMAGES} test images (order alternating); 2-thread outputs checked equal to 1-thread ones. ${barriers} barriers per run; in the whole run ${sleeps} barrier waits slept (outlasted their spin) and ${steals} units ran on a thread other than their home one (stolen from a slower thread; ${2 * two.unitsPerThread} units per step).`, '',
  '| executor | ms / image (median) | spread over rounds (ms) |', '|---|---|---|',
  `| 1 thread (QExecutor) | ${f(m1)} | ${f(Math.min(...ms.one))} - ${f(Math.max(...ms.one))} |`,
  `| 2 threads (ParallelQExecutor) | ${f(m2)} | ${f(Math.min(...ms.two))} - ${f(Math.max(...ms.two))} |`, '',
  `2 vs 1 thread: ${(m1 / m2).toFixed(2)}x.`, '',
].join('\n');
writeFileSync('bench/results/threads-batch1.md', md);
console.log(md);
