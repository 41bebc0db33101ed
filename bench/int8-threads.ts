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

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { cifar10FromBytes } from '../src/data/cifar10.js';
import { argmaxRow } from '../src/eval/evaluate.js';
import { exportQdq } from '../src/format/export-qdq.js';
import type { QGraph } from '../src/ir/qgraph.js';
import { calibrate } from '../src/quant/calibrate.js';
import { quantizeInt8 } from '../src/quant/quantize-int8.js';
import { quantizePot, resolveLayers } from '../src/quant/quantize-pot.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { ParallelQExecutor } from '../src/runtime/parallel-executor.js';
import { QExecutor } from '../src/runtime/q-executor.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const ROUNDS = Number(flag('--rounds', '7'));
const IMAGES = Number(flag('--images', '128'));
const BATCHES = [1, 32] as const;
const CALIB = 1000;
if (!(ROUNDS >= 1) || !(IMAGES >= 32) || IMAGES % 32 !== 0) throw new Error('--rounds must be >= 1 and --images a multiple of 32');
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const loadStart = loadavg();

const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(shared, 'models/resnet20-cifar10.onnx'))));
const engine = await loadEngine({ simd: true });
const ranges = await calibrate(model, cifar10FromBytes(readFileSync(resolve(shared, 'data/cifar10/calib.bin')).subarray(0, 3073 * CALIB), norm), { method: 'minmax', engine });
const q8 = quantizeInt8(model.graphFor(1), ranges);
const qPot = quantizePot(q8, resolveLayers(q8, 'all'), { rule: 'log' });
let images!: Float32Array, labels!: Uint8Array;
for await (const b of cifar10FromBytes(readFileSync(resolve(shared, 'data/cifar10/test.bin')).subarray(0, 3073 * IMAGES), norm).batches(IMAGES)) ({ images, labels } = b);
const PER = 3 * 32 * 32;

type Run = (x: Float32Array, n: number) => Float32Array | Promise<Float32Array>;
interface Contender { key: string; label: string; model: 'int8' | 'pot'; threads: number; create(): Promise<Run> }
const startup = new Map<string, number>();
/** doubleq's multi-thread executors by contender and batch: barriers per run, barrier waits that slept */
const pools = new Map<string, ParallelQExecutor>();

ortWeb.env.wasm.numThreads = 2;
ortWeb.env.wasm.simd = true;
function ortRun(ort: typeof ortNode | typeof ortWeb, session: ortNode.InferenceSession): Run {
  const Tensor = ort.Tensor as typeof ortNode.Tensor;
  return async (x, n) => (await session.run({ input: new Tensor('float32', x, [n, 3, 32, 32]) })).logits!.data as Float32Array;
}
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
const runs = new Map<string, Run>();
const cold = new Map<string, number>();
for (const c of CONTENDERS) {
  const t0 = performance.now();
  runs.set(c.key, await c.create());
  cold.set(c.key, performance.now() - t0);
}

// bit-exactness on the bench images: 2 threads == 1 thread, every doubleq form and batch
for (const form of ['int8', 'pot-codes', 'pot-shift'])
  for (const b of BATCHES) {
    const one = await runs.get(`dq-${form}-1`)!(images.subarray(0, b * PER), b), two = await runs.get(`dq-${form}-2`)!(images.subarray(0, b * PER), b);
    if (Buffer.compare(Buffer.from(one.buffer, one.byteOffset, one.byteLength), Buffer.from(two.buffer, two.byteOffset, two.byteLength)) !== 0) throw new Error(`doubleq ${form} batch ${b}: 2 threads differ from 1`);
  }

async function pass(run: Run, batch: number): Promise<{ ms: number; correct: number }> {
  let correct = 0;
  const t0 = performance.now();
  for (let i = 0; i < IMAGES; i += batch) {
    const logits = await run(images.subarray(i * PER, (i + batch) * PER), batch);
    for (let r = 0; r < batch; r++) if (argmaxRow(logits, r, 10) === labels[i + r]) correct++;
  }
  return { ms: (performance.now() - t0) / IMAGES, correct };
}
/** A pause between contenders: onnxruntime-node's intra-op threads spin for a while after a run
 *  and would otherwise take a core from whichever contender comes next. */
const settle = () => new Promise((r) => setTimeout(r, 50));
const samples = new Map<string, number[]>(), correctOf = new Map<string, number>();
for (const b of BATCHES) for (const c of CONTENDERS) await pass(runs.get(c.key)!, b); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const b of BATCHES)
    for (let k = 0; k < CONTENDERS.length; k++) {
      const c = CONTENDERS[(k + r) % CONTENDERS.length]!;
      await settle();
      const p = await pass(runs.get(c.key)!, b);
      (samples.get(`${b}/${c.key}`) ?? samples.set(`${b}/${c.key}`, []).get(`${b}/${c.key}`)!).push(p.ms);
      correctOf.set(`${b}/${c.key}`, p.correct);
    }
  process.stdout.write(`round ${r + 1}/${ROUNDS}\n`);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const ms = (b: number, key: string) => median(samples.get(`${b}/${key}`)!);
const rows = BATCHES.map((b) => ({ batch: b, rows: CONTENDERS.map((c) => ({ key: c.key, label: c.label, threads: c.threads, msPerImage: ms(b, c.key), minMs: Math.min(...samples.get(`${b}/${c.key}`)!), maxMs: Math.max(...samples.get(`${b}/${c.key}`)!), top1: (100 * correctOf.get(`${b}/${c.key}`)!) / IMAGES })) }));
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
