// End-to-end MobileNetV2-style net (shared/models/mbv2tiny-cifar10.onnx) inference speed, one
// thread, batch 1 and batch 32, every contender in the same process, interleaved round by round
// (the order rotates each round; the figure is the median over rounds), on real CIFAR-10 test
// images (the approach of bench/int8-e2e.ts):
//   doubleq int8 (wasm SIMD; compact and fast weight forms) | doubleq all power-of-two (log
//   5-bit, codes) | onnxruntime-web (wasm SIMD, 1 thread) on doubleq's QDQ export of the same
//   8-bit model (uint8 and int8 activation pairs) and on the float model.
// Then doubleq's plan run step by step (same plan), time per kernel: where the time goes.
// The model is quantized here (minmax, per-channel, first 1,000 images of calib.bin), so the
// bench needs nothing but ../shared. Writes bench/results/mbv2tiny-e2e.{json,md}.
//
//   npm run build && npm run bench:mbv2tiny [-- --shared ../shared --rounds 7 --images 128]

import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import type * as ortNode from 'onnxruntime-node';
import { floatClassifier } from '../src/eval/evaluate.js';
import { exportQdq } from '../src/format/export-qdq.js';
import type { QGraph } from '../src/ir/qgraph.js';
import type { Step } from '../src/plan/planner.js';
import { quantizePot, resolveLayers } from '../src/quant/quantize-pot.js';
import { QExecutor, type QExecutorOptions } from '../src/runtime/q-executor.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { createAll, interleaved, ortRun, PER, profileSteps, quantizedModel, testImages, type Contender, type Row, type Run } from './e2e-harness.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const ROUNDS = Number(flag('--rounds', '7'));
const IMAGES = Number(flag('--images', '128')); // per contender, batch size and round
const BATCHES = [1, 32] as const;
const CALIB = Number(flag('--calib', '1000'));
if (!(ROUNDS >= 1) || !(IMAGES >= 32) || IMAGES % 32 !== 0) throw new Error('--rounds must be >= 1 and --images a multiple of 32');
const loadStart = loadavg();

// --- model, quantization, data -----------------------------------------------------------------
const { bytes: modelBytes, model, engine: simd, q8 } = await quantizedModel(shared, 'mbv2tiny-cifar10.onnx', CALIB);
const qPot = quantizePot(q8, resolveLayers(q8, 'all'), { rule: 'log' });
const qdqU8 = exportQdq(model.graphFor(1), q8, { activations: 'uint8' });
const qdqS8 = exportQdq(model.graphFor(1), q8, { activations: 'int8' });
const data = await testImages(shared, IMAGES);
const { images } = data;

// --- contenders ----------------------------------------------------------------------------------

ortWeb.env.wasm.numThreads = 1;
ortWeb.env.wasm.simd = true;
const webSession = async (bytes: Uint8Array): Promise<Run> =>
  ortRun(ortWeb, await (ortWeb.InferenceSession as unknown as typeof ortNode.InferenceSession).create(bytes, { executionProviders: ['wasm'] }));
/** QExecutors planned per batch size, on a fresh engine instance. */
async function doubleq(q: QGraph, opts: QExecutorOptions = {}): Promise<Run> {
  const e = await loadEngine({ simd: true });
  const ex = new Map(BATCHES.map((b) => [b as number, new QExecutor(q, e, b, opts)]));
  return (x, n) => ex.get(n)!.run(x, n)[0]!;
}

const CONTENDERS: Contender[] = [
  { key: 'doubleq-int8-simd', label: 'doubleq int8, wasm SIMD (compact: int8 resident)', create: () => doubleq(q8) },
  { key: 'doubleq-int8-fast', label: 'doubleq int8, wasm SIMD (fast: int16 resident)', create: () => doubleq(q8, { weights: 'fast' }) },
  { key: 'doubleq-pot-simd', label: 'doubleq all PoT (log 5-bit), wasm SIMD (compact: codes)', create: () => doubleq(qPot) },
  { key: 'ort-web-qdq', label: 'onnxruntime-web, QDQ export (uint8 act.)', create: () => webSession(qdqU8) },
  { key: 'ort-web-qdq-s8', label: 'onnxruntime-web, QDQ export (int8 act.)', create: () => webSession(qdqS8) },
  { key: 'ort-web-float', label: 'onnxruntime-web, float model', create: () => webSession(modelBytes) },
  { key: 'doubleq-float-simd', label: 'doubleq float, wasm SIMD', create: async () => { const c = floatClassifier(model, await loadEngine({ simd: true })); return (x, n) => c.run(x, n); } },
];

// onnxruntime-web instantiates its wasm module with the first session: done before any cold figure
await (await (ortWeb.InferenceSession as unknown as typeof ortNode.InferenceSession).create(modelBytes, { executionProviders: ['wasm'] })).release();
const { runs, cold } = await createAll(CONTENDERS, images.subarray(0, PER));

// --- warm: interleaved rounds ------------------------------------------------------------------
const warm = await interleaved(CONTENDERS, runs, BATCHES, ROUNDS, data);
const table = new Map<number, Row[]>(BATCHES.map((b) => [b, CONTENDERS.map((c) => warm.row(b, c))]));
const ms = warm.ms;
const ratios = Object.fromEntries(BATCHES.map((b) => [b, {
  doubleqInt8VsOrtWebQdq: ms(b, 'ort-web-qdq') / ms(b, 'doubleq-int8-simd'),
  doubleqInt8VsOrtWebQdqS8: ms(b, 'ort-web-qdq-s8') / ms(b, 'doubleq-int8-simd'),
  doubleqInt8VsOrtWebFloat: ms(b, 'ort-web-float') / ms(b, 'doubleq-int8-simd'),
  doubleqPotVsInt8: ms(b, 'doubleq-int8-simd') / ms(b, 'doubleq-pot-simd'),
}]));

// --- where the time goes: the plan step by step, per kernel (depthwise apart) --------------------
/** The plan step by step, time per kernel (1x1 convs apart). */
const kernelOf = (s: Step) => s.kernel + (s.node.op === 'conv' && s.node.geometry.kh * s.node.geometry.kw === 1 ? ' 1x1' : '');
const profileKernels = (g: QGraph, n: number, reps: number) => profileSteps(new QExecutor(g, simd, n), images.subarray(0, n * PER), n, reps, kernelOf);
const macsOf = (g: QGraph, dw: boolean) => g.nodes.reduce((s, node) => {
  if (node.op !== 'conv' || (node.geometry.group === node.geometry.c) !== dw) return s;
  const c = node.geometry;
  return s + c.oh * c.ow * c.m * c.kh * c.kw * (c.c / c.group);
}, 0);
const reps = Number(flag('--profile-reps', '200'));
const profiles = BATCHES.map((n) => ({ batch: n, int8: profileKernels(q8, n, n === 1 ? reps : Math.max(1, reps / 10)), pot: profileKernels(qPot, n, n === 1 ? reps : Math.max(1, reps / 10)) }));
const dwMacs = macsOf(q8, true), convMacs = macsOf(q8, false);

// --- report ------------------------------------------------------------------------------------
const loadEnd = loadavg();
const machine = machineStamp();
const command = `npm run build && npm run bench:mbv2tiny -- --shared ${sharedArg} --rounds ${ROUNDS} --images ${IMAGES}`;
const versions = { onnxruntimeWeb: ortWeb.env.versions.web ?? 'unknown' };
const result = {
  command, machine, load: { start: loadStart, end: loadEnd }, versions,
  config: { rounds: ROUNDS, imagesPerRound: IMAGES, batches: BATCHES, calibration: `minmax, per-channel weights, first ${CALIB} images of calib.bin`, threads: 1 },
  cold: Object.fromEntries(cold), warm: Object.fromEntries(table), ratios, profile: profiles, macsPerImage: { depthwise: dwMacs, otherConv: convMacs },
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/mbv2tiny-e2e.json', JSON.stringify(result, null, 2) + '\n');
const f = (v: number, d = 2) => v.toFixed(d);
const profileRows = (key: 'int8' | 'pot') => profiles.map((p) => `| ${key} | ${p.batch} | ${f(p[key].totalMsPerImage, 3)} | ` +
  Object.entries(p[key].msPerImage).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${f(v, 3)}`).join(', ') + ' |');
const md = [
  '# End-to-end inference: mbv2tiny (MobileNetV2-style) on CIFAR-10, one thread',
  '',
  `Command: \`${command}\``,
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, ${machine.os}, Node ${machine.node} (V8 ${machine.v8}); ` +
    `onnxruntime-web ${versions.onnxruntimeWeb}; date ${machine.date}. ` +
    `Load average (1/5/15 min) at start ${loadStart.map((v) => f(v)).join(' / ')}, at end ${loadEnd.map((v) => f(v)).join(' / ')}: contenders are interleaved, so ratios carry less noise than absolute figures.`,
  '',
  `Model quantized in the run: minmax calibration on the first ${CALIB} images of calib.bin, per-channel int8 weights; all-PoT: every weight layer log-rounded to 5-bit codes. ` +
    `Warm figures: median over ${ROUNDS} rounds over the first ${IMAGES} test images at each batch size, the contender order rotating each round. Top-1 on those images checks each contender.`,
  '',
  ...BATCHES.flatMap((b) => [
    `## Batch ${b}`,
    '',
    '| contender | ms / image | images / s | spread over rounds (ms) | top-1 on these images |',
    '|---|---|---|---|---|',
    ...table.get(b)!.map((r) => `| ${r.label} | ${f(r.msPerImage, 3)} | ${f(r.imagesPerSecond, 0)} | ${f(r.minMs, 3)} - ${f(r.maxMs, 3)} | ${f(r.top1, 1)} % |`),
    '',
    `doubleq int8 (SIMD) is ${f(ratios[b]!.doubleqInt8VsOrtWebQdq)}x onnxruntime-web on the same QDQ model (uint8 act.), ${f(ratios[b]!.doubleqInt8VsOrtWebQdqS8)}x (int8 act.), ` +
      `${f(ratios[b]!.doubleqInt8VsOrtWebFloat)}x onnxruntime-web float; all-PoT / int8 speed ${f(ratios[b]!.doubleqPotVsInt8)}x.`,
    '',
  ]),
  '## Cold start (create + first batch-1 run)',
  '',
  '| contender | create (ms) | first run (ms) |',
  '|---|---|---|',
  ...CONTENDERS.map((c) => `| ${c.label} | ${f(cold.get(c.key)!.createMs, 1)} | ${f(cold.get(c.key)!.firstRunMs, 1)} |`),
  '',
  '## Where the time goes (doubleq, wasm SIMD, compact form)',
  '',
  `The plan run step by step with a timer around each kernel call (median over repetitions), ms per image by kernel (1x1 convs apart). ` +
    `MACs per image: depthwise ${dwMacs.toLocaleString('en-US')}, other convs ${convMacs.toLocaleString('en-US')}.`,
  '',
  '| model | batch | all steps (ms / image) | per kernel (ms / image) |',
  '|---|---|---|---|',
  ...profileRows('int8'),
  ...profileRows('pot'),
  '',
].join('\n');
writeFileSync('bench/results/mbv2tiny-e2e.md', md);
console.log(md);
console.log('wrote bench/results/mbv2tiny-e2e.{json,md}');
