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

import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { floatClassifier } from '../src/eval/evaluate.js';
import { exportQdq } from '../src/format/export-qdq.js';
import type { QGraph } from '../src/ir/qgraph.js';
import type { Engine } from '../src/engine/engine.js';
import { QExecutor } from '../src/runtime/q-executor.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { createAll, interleaved, ortRun, PER, profileSteps, quantizedModel, testImages, type Contender, type Row, type Run } from './e2e-harness.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const ROUNDS = Number(flag('--rounds', '7'));
const IMAGES = Number(flag('--images', '128')); // per contender, batch size and round
const BATCHES = [1, 32] as const;
const CALIB = 1000;
/** shared/docs/method.md, "Microbenchmarks on the project's 2-core machine": i32x4.dot_i16x8_s, register-blocked, data in L1. */
const PEAK_GMACS = 32;
if (!(ROUNDS >= 1) || !(IMAGES >= 32) || IMAGES % 32 !== 0) throw new Error('--rounds must be >= 1 and --images a multiple of 32');
const loadStart = loadavg();

// --- model, quantization, data -----------------------------------------------------------------
const { bytes: modelBytes, model, engine: simd, q8: q } = await quantizedModel(shared, 'resnet20-cifar10.onnx', CALIB);
const qdqU8 = exportQdq(model.graphFor(1), q, { activations: 'uint8' });
const qdqS8 = exportQdq(model.graphFor(1), q, { activations: 'int8' });
const data = await testImages(shared, IMAGES);
const { images } = data;

// --- contenders ----------------------------------------------------------------------------------
ortWeb.env.wasm.numThreads = 1;
ortWeb.env.wasm.simd = true;
const nodeOpts: ortNode.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };

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
const { runs, cold } = await createAll(CONTENDERS, images.subarray(0, PER));

// --- warm: interleaved rounds ------------------------------------------------------------------
const warm = await interleaved(CONTENDERS, runs, BATCHES, ROUNDS, data);

const table = new Map<number, Row[]>(BATCHES.map((b) => [b, CONTENDERS.map((c) => warm.row(b, c))]));
const ms = warm.ms;
const ratios = Object.fromEntries(BATCHES.map((b) => [b, {
  doubleqInt8VsOrtWebQdq: ms(b, 'ort-web-qdq') / ms(b, 'doubleq-int8-simd'),
  doubleqInt8VsOrtWebFloat: ms(b, 'ort-web-float') / ms(b, 'doubleq-int8-simd'),
  doubleqInt8VsOrtNodeQdq: ms(b, 'ort-node-qdq') / ms(b, 'doubleq-int8-simd'),
  doubleqInt8VsDoubleqFloat: ms(b, 'doubleq-float-simd') / ms(b, 'doubleq-int8-simd'),
  simdVsScalar: ms(b, 'doubleq-int8-scalar') / ms(b, 'doubleq-int8-simd'),
}]));

// --- conv layers alone: the executor's steps timed one by one ------------------------------------
/** QExecutor's plan step by step on `e`, time per op kind. */
const profileOps = (e: Engine, g: QGraph, n: number, reps: number) => profileSteps(new QExecutor(g, e, n), images.subarray(0, n * PER), n, reps, (s) => s.node.op);
let convMacs = 0;
for (const node of q.nodes) if (node.op === 'conv') {
  const g = node.geometry;
  convMacs += g.oh * g.ow * g.m * g.kh * g.kw * (g.c / g.group);
}
const profiles = BATCHES.map((n) => {
  const pr = profileOps(simd, q, n, n === 1 ? 400 : 40);
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
