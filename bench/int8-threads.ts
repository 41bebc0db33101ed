// End-to-end ResNet-20 (CIFAR-10) with 1 and 2 threads, batch 1 and 32, int8 and all power of
// two, every contender in the same process and interleaved round by round (median over rounds):
//   doubleq (wasm SIMD; power of two as codes and as shift-add) 1 thread = the one-thread
//   QExecutor, 2 threads = ParallelQExecutor (one worker + the main thread)
//   onnxruntime-web (wasm SIMD, env.wasm.numThreads = 2, sessions with intraOpNumThreads 1 / 2)
//   onnxruntime-node (intraOpNumThreads 1 / 2), both on doubleq's QDQ export of the same model.
// Worker start-up (doubleq's pool; onnxruntime-web starts its pthreads with the first session)
// is reported apart from the warm figures. The 2-thread outputs are checked byte for byte
// against 1 thread. Run by `npm run bench:int8` after int8-e2e.js (that one sets
// numThreads = 1, which onnxruntime-web reads once per process). Writes bench/results/int8-threads.{json,md}.
//
//   npm run build && node dist/bench/int8-threads.js [--shared ../shared] [--rounds 7] [--images 128]

import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { exportQdq } from '../src/format/export-qdq.js';
import type { QGraph } from '../src/ir/qgraph.js';
import { quantizePot, resolveLayers } from '../src/quant/quantize-pot.js';
import { ParallelQExecutor } from '../src/runtime/parallel-executor.js';
import { QExecutor } from '../src/runtime/q-executor.js';
import { flag } from './args.js';
import { createAll, interleaved, ortRun, PER, quantizedModel, testImages, type Contender as Base, type Run } from './e2e-harness.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const ROUNDS = Number(flag('--rounds', '7'));
const IMAGES = Number(flag('--images', '128'));
const BATCHES = [1, 32] as const;
const CALIB = 1000;
if (!(ROUNDS >= 1) || !(IMAGES >= 32) || IMAGES % 32 !== 0) throw new Error('--rounds must be >= 1 and --images a multiple of 32');
const loadStart = loadavg();

const { model, engine, q8 } = await quantizedModel(shared, 'resnet20-cifar10.onnx', CALIB);
const qPot = quantizePot(q8, resolveLayers(q8, 'all'), { rule: 'log' });
const data = await testImages(shared, IMAGES);
const { images } = data;

interface Contender extends Base { model: 'int8' | 'pot'; threads: number }
const startup = new Map<string, number>();
/** doubleq's multi-thread executors by contender and batch: barriers per run, barrier waits that slept */
const pools = new Map<string, ParallelQExecutor>();

ortWeb.env.wasm.numThreads = 2;
ortWeb.env.wasm.simd = true;
const qdq = { int8: exportQdq(model.graphFor(1), q8), pot: exportQdq(model.graphFor(1), qPot) };
const web = async (m: 'int8' | 'pot', threads: number) =>
  ortRun(ortWeb, await (ortWeb.InferenceSession as typeof ortNode.InferenceSession).create(qdq[m], { executionProviders: ['wasm'], intraOpNumThreads: threads }));
const node = async (m: 'int8' | 'pot', threads: number) =>
  ortRun(ortNode, await ortNode.InferenceSession.create(qdq[m], { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' }));
/** doubleq planned per batch size: 1 thread = QExecutor; more = ParallelQExecutor (its pool start-up recorded). */
async function doubleq(key: string, g: QGraph, weights: 'compact' | 'fast', threads: number): Promise<Run> {
  const ex = new Map<number, { run(x: Float32Array, n: number): Float32Array[] }>();
  let up = 0;
  for (const b of BATCHES) {
    if (threads === 1) ex.set(b, new QExecutor(g, engine, b, { weights }));
    else {
      const p = await ParallelQExecutor.create(g, b, { threads, simd: true, weights });
      up += p.startupSeconds;
      ex.set(b, p);
      pools.set(`${key}/${b}`, p);
    }
  }
  startup.set(key, (1000 * up) / BATCHES.length);
  return (x, n) => ex.get(n)!.run(x, n)[0]!;
}

const CONTENDERS: Contender[] = [];
for (const threads of [1, 2]) {
  const t = `${threads} thread${threads > 1 ? 's' : ''}`;
  CONTENDERS.push(
    { key: `dq-int8-${threads}`, label: `doubleq int8, ${t}`, model: 'int8', threads, create: () => doubleq(`dq-int8-${threads}`, q8, 'compact', threads) },
    { key: `dq-pot-codes-${threads}`, label: `doubleq all-PoT (codes), ${t}`, model: 'pot', threads, create: () => doubleq(`dq-pot-codes-${threads}`, qPot, 'compact', threads) },
    { key: `dq-pot-shift-${threads}`, label: `doubleq all-PoT (shift-add), ${t}`, model: 'pot', threads, create: () => doubleq(`dq-pot-shift-${threads}`, qPot, 'fast', threads) },
    { key: `web-int8-${threads}`, label: `onnxruntime-web int8 QDQ, ${t}`, model: 'int8', threads, create: () => web('int8', threads) },
    { key: `web-pot-${threads}`, label: `onnxruntime-web all-PoT QDQ, ${t}`, model: 'pot', threads, create: () => web('pot', threads) },
    { key: `node-int8-${threads}`, label: `onnxruntime-node int8 QDQ, ${t}`, model: 'int8', threads, create: () => node('int8', threads) },
    { key: `node-pot-${threads}`, label: `onnxruntime-node all-PoT QDQ, ${t}`, model: 'pot', threads, create: () => node('pot', threads) },
  );
}

// cold: create (doubleq: plan, pack, start workers; onnxruntime-web: its first session also starts its pthreads)
const created = await createAll(CONTENDERS, null);
const runs = created.runs, cold = new Map([...created.cold].map(([k, v]) => [k, v.createMs]));

// bit-exactness on the bench images: 2 threads == 1 thread, every doubleq form and batch
for (const form of ['int8', 'pot-codes', 'pot-shift'])
  for (const b of BATCHES) {
    const one = await runs.get(`dq-${form}-1`)!(images.subarray(0, b * PER), b), two = await runs.get(`dq-${form}-2`)!(images.subarray(0, b * PER), b);
    if (Buffer.compare(Buffer.from(one.buffer, one.byteOffset, one.byteLength), Buffer.from(two.buffer, two.byteOffset, two.byteLength)) !== 0) throw new Error(`doubleq ${form} batch ${b}: 2 threads differ from 1`);
  }

/** A pause between contenders: onnxruntime-node's intra-op threads spin for a while after a run
 *  and would otherwise take a core from whichever contender comes next. */
const settle = () => new Promise((r) => setTimeout(r, 50));
const warm = await interleaved(CONTENDERS, runs, BATCHES, ROUNDS, data, settle);
const ms = warm.ms;
const rows = BATCHES.map((b) => ({ batch: b, rows: CONTENDERS.map((c) => {
  const { key, label, msPerImage, minMs, maxMs, top1 } = warm.row(b, c);
  return { key, label, threads: c.threads, msPerImage, minMs, maxMs, top1 };
}) }));
const ratio = (b: number, a: string, c: string) => ms(b, c) / ms(b, a);
const summary = BATCHES.map((b) => ({
  batch: b,
  int8TwoVsOneThread: ratio(b, 'dq-int8-2', 'dq-int8-1'), potCodesTwoVsOne: ratio(b, 'dq-pot-codes-2', 'dq-pot-codes-1'), potShiftTwoVsOne: ratio(b, 'dq-pot-shift-2', 'dq-pot-shift-1'),
  int8VsOrtWeb2: ratio(b, 'dq-int8-2', 'web-int8-2'), int8VsOrtNode2: ratio(b, 'dq-int8-2', 'node-int8-2'), ortWebTwoVsOne: ratio(b, 'web-int8-2', 'web-int8-1'),
}));

const threadStats = [...pools].map(([k, p]) => ({ executor: k, barriersPerRun: p.barriers(Number(k.split('/')[1])), sleeps: p.sleeps, steals: p.steals }));
for (const t of threadStats) console.log(`${t.executor}: ${t.barriersPerRun} barriers per run, ${t.sleeps} barrier waits slept, ${t.steals} units run by a thread other than their home one, in the whole bench`);
const loadEnd = loadavg(), machine = machineStamp();
const command = `npm run build && node dist/bench/int8-threads.js${sharedArg !== '../shared' ? ` --shared ${sharedArg}` : ''}${ROUNDS !== 7 ? ` --rounds ${ROUNDS}` : ''}${IMAGES !== 128 ? ` --images ${IMAGES}` : ''}`;
const result = { command, machine, load: { start: loadStart, end: loadEnd }, config: { rounds: ROUNDS, imagesPerRound: IMAGES, batches: BATCHES, pot: 'every layer, log rule' }, coldMs: Object.fromEntries(cold), workerStartupMs: Object.fromEntries(startup), threadStats, warm: rows, summary };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/int8-threads.json', JSON.stringify(result, null, 2) + '\n');
const f = (v: number, d = 2) => v.toFixed(d);
const md = [
  '# ResNet-20 on CIFAR-10 with 1 and 2 threads',
  '',
  `Command: \`${command}\` (run by \`npm run bench:int8\`)`,
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (V8 ${machine.v8}); date ${machine.date}. Load average at start ${loadStart.map((v) => f(v)).join(' / ')}, at end ${loadEnd.map((v) => f(v)).join(' / ')}.`,
  '',
  `Models quantized in the run (minmax, first ${CALIB} calib.bin images; all-PoT: every layer, \`log\` rule); onnxruntime runs doubleq's QDQ export of each. ` +
    `Median over ${ROUNDS} rounds of the first ${IMAGES} test images, contenders interleaved. doubleq's 2-thread outputs equal its 1-thread outputs byte for byte (checked in the run).`,
  '',
  ...rows.flatMap(({ batch, rows: rs }) => [
    `## Batch ${batch}`, '', '| contender | ms / image | spread (ms) | top-1 on these images |', '|---|---|---|---|',
    ...rs.map((r) => `| ${r.label} | ${f(r.msPerImage, 3)} | ${f(r.minMs, 3)} - ${f(r.maxMs, 3)} | ${f(r.top1, 1)} % |`), '',
  ]),
  '## Speed-ups', '', '| batch | doubleq int8 2 vs 1 thread | all-PoT codes | all-PoT shift-add | doubleq int8 2 thr. vs onnxruntime-web 2 thr. | vs onnxruntime-node 2 thr. | onnxruntime-web 2 vs 1 |', '|---|---|---|---|---|---|---|',
  ...summary.map((s) => `| ${s.batch} | ${f(s.int8TwoVsOneThread)}x | ${f(s.potCodesTwoVsOne)}x | ${f(s.potShiftTwoVsOne)}x | ${f(s.int8VsOrtWeb2)}x | ${f(s.int8VsOrtNode2)}x | ${f(s.ortWebTwoVsOne)}x |`),
  '',
  '## Start-up (apart from the warm figures)', '',
  'doubleq: worker start-up per executor (thread, instance of the threads build over the shared memory), and each contender\'s whole create (planning and packing, or the onnxruntime session).',
  '', '| contender | create (ms) | of which worker start-up (ms) |', '|---|---|---|',
  ...CONTENDERS.map((c) => `| ${c.label} | ${f(cold.get(c.key)!, 1)} | ${startup.has(c.key) ? f(startup.get(c.key)!, 1) : ''} |`), '',
].join('\n');
writeFileSync('bench/results/int8-threads.md', md);
console.log(md);
console.log('wrote bench/results/int8-threads.{json,md}');
process.exit(0); // onnxruntime-web's pthread workers would keep the process alive
