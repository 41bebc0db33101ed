// The single-layer sensitivity stage of `doubleq quantize --budget` on one CIFAR-10 model of
// ../shared (the CLI's calibration: minmax, 1000 images, gptq 5 and 4 bits), timed three ways
// in one process, interleaved: measureSensitivity (one shared evaluation: each variant resumes
// from the 8-bit model's state before its layer), one full evaluation per variant (the way
// before), and Evaluator.sharedLogits alone. Checks that every variant's logits are the bytes of
// its full evaluation and that the sensitivities agree. Prints JSON; writes nothing.
//
//   npm run bench:sensitivity -- [--shared ../shared] [--model mbv2tiny-cifar10.onnx] [--calib-limit 1000]

import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDataset } from '../src/data/node-files.js';
import { createEvaluator, loadEvalSet } from '../src/parallel/eval-pool.js';
import { assignedModel, measureSensitivity, prepareExt } from '../src/quant/doubleqext.js';
import { compareLogits, tiersOf } from '../src/quant/layer-metrics.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const shared = resolve(flag('--shared', '../shared'));
const modelFile = flag('--model', 'mbv2tiny-cifar10.onnx');
const CALIB = Number(flag('--calib-limit', '1000'));
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const calib = () => openDataset(resolve(shared, 'data/cifar10/calib.bin'), 'cifar10', { norm });
const cpuNow = () => ((c) => (c.user + c.system) / 1e6)(process.cpuUsage()); // all threads: the workers are threads

const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(shared, 'models', modelFile))));
const ext = await prepareExt(model, calib, { calibration: 'minmax', limit: CALIB, engine: await loadEngine() });
const ev = await createEvaluator(await loadEvalSet(await calib(), CALIB));
const classes = ext.q8.outputs[0]!.shape.reduce((p, d) => p * d, 1);
const jobs = ext.layers.flatMap((l) => tiersOf(l).map((t) => ({ l, t })));
const variants = jobs.map(({ l, t }) => assignedModel(ext, new Map([[l.name, t.codeBits]])));

async function timed<T>(f: () => Promise<T>): Promise<{ r: T; wallS: number; cpuS: number; load: [number, number] }> {
  const l0 = loadavg()[0]!, t0 = performance.now(), c0 = cpuNow();
  const r = await f();
  return { r, wallS: (performance.now() - t0) / 1000, cpuS: cpuNow() - c0, load: [l0, loadavg()[0]!] };
}

const stage = await timed(() => measureSensitivity(ext, ev));
const sensShared = jobs.map(({ t }) => t.sensitivity);
const full = await timed(async () => {
  const base = await ev.logits(ext.q8);
  const out: Float32Array[] = [];
  for (const v of variants) out.push(await ev.logits(v));
  return { base, out };
});
const alone = await timed(() => ev.sharedLogits(ext.q8, variants));
await ev.close();

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
const sensFull = full.r.out.map((o) => compareLogits(full.r.base, o, ev.set.labels, classes));
const round = (x: number) => Math.round(x * 100) / 100;
const row = (t: { wallS: number; cpuS: number; load: [number, number] }) => ({ wallS: round(t.wallS), cpuS: round(t.cpuS), loadavg1: t.load.map(round) });
console.log(JSON.stringify({
  model: modelFile, images: ev.set.count, workers: ev.workers, variants: variants.length,
  measureSensitivity: row(stage), fullEvaluations: row(full), sharedLogits: row(alone),
  logitsIdentical: same(alone.r.base, full.r.base) && alone.r.variants.every((v, i) => same(v, full.r.out[i]!)) && same(stage.r, full.r.base),
  sensitivitiesIdentical: JSON.stringify(sensShared) === JSON.stringify(sensFull),
  machine: machineStamp(),
}, null, 2));
