// End-to-end ResNet-20 (CIFAR-10) inference speed, one thread, batch 1 and batch 32, every
// contender measured in the same process and interleaved round by round (the order rotates each
// round; the figure is the median over rounds), on real CIFAR-10 test images:
//   doubleq int8 (wasm SIMD) | doubleq int8 (wasm scalar) | doubleq float (wasm SIMD convs)
//   onnxruntime-web (wasm SIMD, 1 thread) on doubleq's QDQ export (uint8 and int8 activation
//   pairs) and on the float model | onnxruntime-node (1 thread) on the QDQ export and the float.
// Cold (session/executor creation + first batch-1 run) is reported apart from the warm median.
// Then the conv layers alone: doubleq's executor steps timed one by one (same plan, same packed
// weights), total conv MACs / conv time, against the ~32 GMAC/s register-blocked
// i32x4.dot_i16x8_s figure of shared/docs/method.md (microbenchmarks, this machine).
// The model is quantized here (minmax, per-channel, first 1,000 images of calib.bin), so the
// bench needs nothing but ../shared. Writes bench/results/int8-e2e.{json,md}.
//
//   npm run build && node dist/bench/int8-e2e.js [--shared ../shared] [--rounds 7] [--images 128]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { cifar10FromBytes } from '../src/data/cifar10.js';
import { argmaxRow, floatClassifier } from '../src/eval/evaluate.js';
import { exportQdq } from '../src/format/export-qdq.js';
import type { QGraph, QNode } from '../src/ir/qgraph.js';
import { plan } from '../src/plan/planner.js';
import { calibrate } from '../src/quant/calibrate.js';
import { quantizeInt8 } from '../src/quant/quantize-int8.js';
import { quantizeInput } from '../src/runtime/edges.js';
import { FloatModel } from '../src/runtime/float-model.js';
import type { Engine } from '../src/engine/engine.js';
import { QExecutor } from '../src/runtime/q-executor.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { machineStamp } from './machine.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const ROUNDS = Number(flag('--rounds', '7'));
const IMAGES = Number(flag('--images', '128')); // per contender, batch size and round
const BATCHES = [1, 32] as const;
const CALIB = 1000;
/** shared/docs/method.md, "Microbenchmarks on the project's 2-core machine": i32x4.dot_i16x8_s, register-blocked, data in L1. */
const PEAK_GMACS = 32;
if (!(ROUNDS >= 1) || !(IMAGES >= 32) || IMAGES % 32 !== 0) throw new Error('--rounds must be >= 1 and --images a multiple of 32');
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const loadStart = loadavg();

// --- model, quantization, data -----------------------------------------------------------------
const modelBytes = new Uint8Array(readFileSync(resolve(shared, 'models/resnet20-cifar10.onnx')));
const model = FloatModel.fromBytes(modelBytes);
const simd = await loadEngine({ simd: true });
const calibBytes = readFileSync(resolve(shared, 'data/cifar10/calib.bin')).subarray(0, 3073 * CALIB);
const ranges = await calibrate(model, cifar10FromBytes(calibBytes, norm), { method: 'minmax', engine: simd });
const q = quantizeInt8(model.graphFor(1), ranges);
const qdqU8 = exportQdq(model.graphFor(1), q, { activations: 'uint8' });
const qdqS8 = exportQdq(model.graphFor(1), q, { activations: 'int8' });
let images!: Float32Array, labels!: Uint8Array;
for await (const b of cifar10FromBytes(readFileSync(resolve(shared, 'data/cifar10/test.bin')).subarray(0, 3073 * IMAGES), norm).batches(IMAGES))
  ({ images, labels } = b);
const PER = 3 * 32 * 32;

// --- contenders ----------------------------------------------------------------------------------
type Run = (x: Float32Array, n: number) => Float32Array | Promise<Float32Array>;
interface Contender { key: string; label: string; create(): Promise<Run> }

ortWeb.env.wasm.numThreads = 1;
ortWeb.env.wasm.simd = true;
const nodeOpts: ortNode.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };

function ortRun(ort: typeof ortNode | typeof ortWeb, session: ortNode.InferenceSession): Run {
  const Tensor = ort.Tensor as typeof ortNode.Tensor;
  return async (x, n) => (await session.run({ input: new Tensor('float32', x, [n, 3, 32, 32]) })).logits!.data as Float32Array;
}
const webSession = async (bytes: Uint8Array) => ortRun(ortWeb, await (ortWeb.InferenceSession as typeof ortNode.InferenceSession).create(bytes, { executionProviders: ['wasm'] }));
const nodeSession = async (bytes: Uint8Array) => ortRun(ortNode, await ortNode.InferenceSession.create(bytes, nodeOpts));
/** QExecutors planned per batch size, on a fresh engine instance. */
async function doubleqInt8(useSimd: boolean): Promise<Run> {
  const e = await loadEngine({ simd: useSimd });
  const ex = new Map(BATCHES.map((b) => [b as number, new QExecutor(q, e, b)]));
  return (x, n) => ex.get(n)!.run(x, n)[0]!;
}

const CONTENDERS: Contender[] = [
  { key: 'doubleq-int8-simd', label: 'doubleq int8, wasm SIMD', create: () => doubleqInt8(true) },
  { key: 'doubleq-int8-scalar', label: 'doubleq int8, wasm scalar', create: () => doubleqInt8(false) },
  { key: 'doubleq-float-simd', label: 'doubleq float, wasm SIMD', create: async () => { const c = floatClassifier(model, await loadEngine({ simd: true })); return (x, n) => c.run(x, n); } },
  { key: 'ort-web-qdq', label: 'onnxruntime-web, QDQ export (uint8 act.)', create: () => webSession(qdqU8) },
  { key: 'ort-web-qdq-s8', label: 'onnxruntime-web, QDQ export (int8 act.)', create: () => webSession(qdqS8) },
  { key: 'ort-web-float', label: 'onnxruntime-web, float model', create: () => webSession(modelBytes) },
  { key: 'ort-node-qdq', label: 'onnxruntime-node, QDQ export (uint8 act.)', create: () => nodeSession(qdqU8) },
  { key: 'ort-node-float', label: 'onnxruntime-node, float model', create: () => nodeSession(modelBytes) },
];

// --- cold: create + first batch-1 run ------------------------------------------------------------
// Each runtime is initialised first (onnxruntime-web instantiates its wasm module with the first
// session), so a contender's cold figure is its own model's session or executor only.
await (await (ortWeb.InferenceSession as typeof ortNode.InferenceSession).create(modelBytes, { executionProviders: ['wasm'] })).release();
await (await ortNode.InferenceSession.create(modelBytes, nodeOpts)).release();
const runs = new Map<string, Run>();
const cold = new Map<string, { createMs: number; firstRunMs: number }>();
for (const c of CONTENDERS) {
  const t0 = performance.now();
  const run = await c.create();
  const t1 = performance.now();
  await run(images.subarray(0, PER), 1);
  cold.set(c.key, { createMs: t1 - t0, firstRunMs: performance.now() - t1 });
  runs.set(c.key, run);
}

// --- warm: interleaved rounds ------------------------------------------------------------------
/** ms per image of one pass over the bench images in calls of `batch`; also top-1 on them. */
async function pass(run: Run, batch: number): Promise<{ msPerImage: number; correct: number }> {
  let correct = 0;
  const t0 = performance.now();
  for (let i = 0; i < IMAGES; i += batch) {
    const logits = await run(images.subarray(i * PER, (i + batch) * PER), batch);
    for (let r = 0; r < batch; r++) if (argmaxRow(logits, r, 10) === labels[i + r]) correct++;
  }
  return { msPerImage: (performance.now() - t0) / IMAGES, correct };
}

const samples = new Map<string, number[]>(); // `${batch}/${key}` -> ms per image per round
const correctOf = new Map<string, number>();
for (const batch of BATCHES) for (const c of CONTENDERS) await pass(runs.get(c.key)!, batch); // warm-up: every code path tiered up
for (let r = 0; r < ROUNDS; r++) {
  for (const batch of BATCHES) {
    for (let k = 0; k < CONTENDERS.length; k++) {
      const c = CONTENDERS[(k + r) % CONTENDERS.length]!;
      const p = await pass(runs.get(c.key)!, batch);
      const id = `${batch}/${c.key}`;
      (samples.get(id) ?? samples.set(id, []).get(id)!).push(p.msPerImage);
      correctOf.set(id, p.correct);
    }
  }
  process.stdout.write(`round ${r + 1}/${ROUNDS}\n`);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;

interface Row { key: string; label: string; msPerImage: number; minMs: number; maxMs: number; imagesPerSecond: number; top1: number }
const table = new Map<number, Row[]>();
for (const batch of BATCHES)
  table.set(batch, CONTENDERS.map((c) => {
    const s = samples.get(`${batch}/${c.key}`)!;
    const ms = median(s);
    return { key: c.key, label: c.label, msPerImage: ms, minMs: Math.min(...s), maxMs: Math.max(...s), imagesPerSecond: 1000 / ms,
      top1: (100 * correctOf.get(`${batch}/${c.key}`)!) / IMAGES };
  }));
const ms = (batch: number, key: string) => table.get(batch)!.find((r) => r.key === key)!.msPerImage;
const ratios = Object.fromEntries(BATCHES.map((b) => [b, {
  doubleqInt8VsOrtWebQdq: ms(b, 'ort-web-qdq') / ms(b, 'doubleq-int8-simd'),
  doubleqInt8VsOrtWebFloat: ms(b, 'ort-web-float') / ms(b, 'doubleq-int8-simd'),
  doubleqInt8VsOrtNodeQdq: ms(b, 'ort-node-qdq') / ms(b, 'doubleq-int8-simd'),
  doubleqInt8VsDoubleqFloat: ms(b, 'doubleq-float-simd') / ms(b, 'doubleq-int8-simd'),
  simdVsScalar: ms(b, 'doubleq-int8-scalar') / ms(b, 'doubleq-int8-simd'),
}]));

// --- conv layers alone: the executor's steps timed one by one ------------------------------------
/** Runs QExecutor's plan step by step on `e`, timing each op kind; returns median ms per image. */
function profileSteps(e: Engine, g: QGraph, n: number, reps: number) {
  const ex = new QExecutor(g, e, n);
  const x = images.subarray(0, n * PER);
  const kinds = new Map<string, number[]>();
  const total: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const t: Record<string, number> = {};
    const t0 = performance.now();
    ex.quantize(x, n);
    let last = performance.now();
    t.quantize = last - t0;
    ex.execute(n, (s, call) => {
      call();
      const now = performance.now();
      t[s.node.op] = (t[s.node.op] ?? 0) + now - last;
      last = now;
    });
    total.push(last - t0);
    for (const [k, v] of Object.entries(t)) (kinds.get(k) ?? kinds.set(k, []).get(k)!).push(v);
  }
  return { totalMsPerImage: median(total) / n, msPerImage: Object.fromEntries([...kinds].map(([k, v]) => [k, median(v) / n])) };
}
let convMacs = 0;
for (const node of q.nodes) if (node.op === 'conv') {
  const g = node.geometry;
  convMacs += g.oh * g.ow * g.m * g.kh * g.kw * (g.c / g.group);
}
const profiles = BATCHES.map((n) => {
  const pr = profileSteps(simd, q, n, n === 1 ? 400 : 40);
  const convMs = pr.msPerImage.conv!;
  const gmacs = convMacs / convMs / 1e6;
  return { batch: n, ...pr, convMacsPerImage: convMacs, convGmacs: gmacs, fractionOfPeak: gmacs / PEAK_GMACS, convShareOfTotal: convMs / pr.totalMsPerImage };
});

// --- report ------------------------------------------------------------------------------------
const loadEnd = loadavg();
const machine = machineStamp();
const command = `npm run build && node dist/bench/int8-e2e.js${sharedArg !== '../shared' ? ` --shared ${sharedArg}` : ''}${ROUNDS !== 7 ? ` --rounds ${ROUNDS}` : ''}${IMAGES !== 128 ? ` --images ${IMAGES}` : ''}`;
const versions = { onnxruntimeNode: ortNode.env.versions.node ?? '1.30', onnxruntimeWeb: ortWeb.env.versions.web ?? '1.30' };
const result = {
  command, machine, load: { start: loadStart, end: loadEnd }, versions,
  config: { rounds: ROUNDS, imagesPerRound: IMAGES, batches: BATCHES, calibration: `minmax, per-channel weights, first ${CALIB} images of calib.bin`, threads: 1 },
  cold: Object.fromEntries(cold), warm: Object.fromEntries(table), ratios, convProfile: profiles, peakGmacsFromMethodMd: PEAK_GMACS,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/int8-e2e.json', JSON.stringify(result, null, 2) + '\n');

const f = (v: number, d = 2) => v.toFixed(d);
const md = [
  '# End-to-end int8 inference: ResNet-20 on CIFAR-10, one thread',
  '',
  `Command: \`${command}\``,
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, ${machine.os}, Node ${machine.node} (V8 ${machine.v8}); ` +
    `onnxruntime-node ${versions.onnxruntimeNode}, onnxruntime-web ${versions.onnxruntimeWeb}; date ${machine.date}. ` +
    `Load average (1/5/15 min) at start ${loadStart.map((v) => f(v)).join(' / ')}, at end ${loadEnd.map((v) => f(v)).join(' / ')}: the machine is shared, so absolute figures carry that noise; the contenders are interleaved, so ratios carry less.`,
  '',
  `Model quantized in the run: minmax calibration on the first ${CALIB} images of calib.bin, per-channel int8 weights. ` +
    `Warm figures: median over ${ROUNDS} rounds; each round runs every contender over the first ${IMAGES} test images at each batch size, ` +
    'the contender order rotating each round. Top-1 is on those images (a check that each contender computes the right thing).',
  '',
  ...BATCHES.flatMap((b) => [
    `## Batch ${b}`,
    '',
    '| contender | ms / image | images / s | spread over rounds (ms) | top-1 on these images |',
    '|---|---|---|---|---|',
    ...table.get(b)!.map((r) => `| ${r.label} | ${f(r.msPerImage, 3)} | ${f(r.imagesPerSecond, 0)} | ${f(r.minMs, 3)} - ${f(r.maxMs, 3)} | ${f(r.top1, 1)} % |`),
    '',
    `doubleq int8 (SIMD) is ${f(ratios[b]!.doubleqInt8VsOrtWebQdq)}x onnxruntime-web on the same QDQ model, ${f(ratios[b]!.doubleqInt8VsOrtWebFloat)}x onnxruntime-web float, ` +
      `${f(ratios[b]!.doubleqInt8VsOrtNodeQdq)}x onnxruntime-node QDQ (native, not wasm), ${f(ratios[b]!.doubleqInt8VsDoubleqFloat)}x doubleq float; SIMD / scalar ${f(ratios[b]!.simdVsScalar)}x.`,
    '',
  ]),
  '## Cold start (create + first batch-1 run)',
  '',
  'Create: doubleq instantiates its wasm module, plans and packs the weights; onnxruntime creates a session (graph optimisation, QDQ fusion, weight prepacking) with its runtime already initialised.',
  '',
  '| contender | create (ms) | first run (ms) |',
  '|---|---|---|',
  ...CONTENDERS.map((c) => `| ${c.label} | ${f(cold.get(c.key)!.createMs, 1)} | ${f(cold.get(c.key)!.firstRunMs, 1)} |`),
  '',
  '## Conv layers alone (doubleq int8, wasm SIMD)',
  '',
  `The executor's plan run step by step with a timer around each kernel call (median over repetitions). Conv MACs per image: ${convMacs.toLocaleString('en-US')} (19 convolutions, padding included). ` +
    `Peak: about ${PEAK_GMACS} GMAC/s for register-blocked \`i32x4.dot_i16x8_s\` with data in L1 (shared/docs/method.md, microbenchmarks on this machine; about 22 streaming from L2).`,
  '',
  '| batch | all steps (ms / image) | conv (ms / image) | conv share | conv GMAC/s | fraction of the ~32 GMAC/s peak | other steps (ms / image) |',
  '|---|---|---|---|---|---|---|',
  ...profiles.map((p) => `| ${p.batch} | ${f(p.totalMsPerImage, 3)} | ${f(p.msPerImage.conv!, 3)} | ${f(100 * p.convShareOfTotal, 0)} % | ${f(p.convGmacs)} | ${f(100 * p.fractionOfPeak, 0)} % | ` +
    Object.entries(p.msPerImage).filter(([k]) => k !== 'conv').map(([k, v]) => `${k} ${f(v, 3)}`).join(', ') + ' |'),
  '',
].join('\n');
writeFileSync('bench/results/int8-e2e.md', md);
console.log(md);
console.log('wrote bench/results/int8-e2e.{json,md}');
