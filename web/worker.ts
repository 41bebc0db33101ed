// The page's Web Worker: every computation (import, calibration, quantization, DoubleQExt,
// evaluation, inference) runs here in the browser's wasm, so the page stays responsive.

import * as dq from '../src/api/index.js';
import type { Inferred, Loaded, Prepared, Request, Response, Selected, SelfTest } from './protocol.js';

const post = (m: Response) => (self as unknown as { postMessage(m: unknown): void }).postMessage(m);
const onProgress = (p: dq.Progress) => post({ progress: p });

let model: dq.FloatNet | undefined;
let digits: dq.Digits | undefined;
let cal: dq.Calibration | undefined;
let int8: dq.Quantized | undefined;
let selected: dq.Quantized | undefined;
let budget = 0;

async function fetchBytes(name: string): Promise<Uint8Array> {
  const r = await fetch(new URL(name, self.location.href));
  if (!r.ok) throw new Error(`cannot fetch ${name}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

let threads: Loaded['threads'] | undefined;
const isolated = () => (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;

/** Threads the library uses here: Web Workers over shared memory when the page is cross-origin isolated, else one. */
async function threadsInfo(): Promise<Loaded['threads']> {
  const count = await dq.defaultThreadCount();
  return { count, note: isolated() ? `${count} thread${count > 1 ? 's' : ''} (Web Workers over shared wasm memory)` : '1 thread: the page is not cross-origin isolated (the server sends no COOP/COEP headers), so wasm memory cannot be shared with workers' };
}

const accuracy = (a: dq.Accuracy) => ({ correct: a.correct, total: a.total, top1: a.top1 });

async function load(bytes: ArrayBuffer | undefined, name = 'mnist-resnet.onnx'): Promise<Loaded> {
  const b = bytes ? new Uint8Array(bytes) : await fetchBytes('mnist-resnet.onnx');
  const m = dq.loadModel(b);
  if (m.kind !== 'float') throw new Error(`${name} is already quantized (.dq); drop the float .onnx`);
  model = m;
  cal = int8 = selected = undefined;
  digits ??= dq.parseDigits(await fetchBytes('mnist-digits.bin'));
  const memory = await dq.inspect(m);
  threads ??= await threadsInfo();
  const fits = m.inputShape.join('x') === digits.test.shape.join('x');
  return {
    name, fileBytes: b.length, inputShape: [...m.inputShape], classes: m.classes, threads,
    layers: memory.layers.map((l) => ({ name: l.name, op: l.op, weights: l.weights })), memory,
    ...(fits ? { samples: { images: digits.test.images.slice(0, 12 * 784), labels: [...digits.test.labels.subarray(0, 12)] } }
      : { noData: `the page has MNIST digits (1x28x28); this model takes ${m.inputShape.join('x')} images` }),
  };
}

async function prepare(): Promise<Prepared> {
  if (!model || !digits) throw new Error('load a model first');
  const t0 = performance.now();
  const float = await dq.evaluate(model, digits.test.batches(100), { onProgress: (p) => onProgress({ ...p, stage: 'evaluate float', total: digits!.test.count }) });
  cal = await dq.calibrate(model, digits.train.batches(100), { onProgress });
  int8 = await dq.quantize(cal);
  const i8 = await dq.evaluate(int8, digits.test.batches(100), { onProgress: (p) => onProgress({ ...p, stage: 'evaluate 8-bit', total: digits!.test.count }) });
  const f = await dq.frontier(cal, digits.test.batches(100), { onProgress });
  return {
    float: accuracy(float), int8: accuracy(i8), maxSavingPct: cal.maxSavingPct, calibImages: cal.images,
    frontier: f.curves[0]!.points.map((p) => ({ savingPct: p.savingVsInt8Pct, top1: p.top1, layers: p.layers })),
    seconds: (performance.now() - t0) / 1000,
  };
}

async function select(b: number): Promise<Selected> {
  if (!cal || !digits) throw new Error('calibrate first');
  const t0 = performance.now();
  const q = await dq.quantize(cal, { budget: Math.min(b, cal.maxSavingPct), onProgress });
  const acc = await dq.evaluate(q, digits.test.batches(100), { onProgress: (p) => onProgress({ ...p, stage: 'evaluate selection', total: digits!.test.count }) });
  selected = q;
  budget = b;
  return { budget: b, potLayers: [...q.potLayers], savingVsInt8Pct: q.savingVsInt8Pct, accuracy: accuracy(acc), memory: await dq.inspect(q), seconds: (performance.now() - t0) / 1000 };
}

/** Predictions and time per image; repeats the batch until 30 ms have passed (browser clocks are coarse). */
async function timed(m: dq.Model, images: Float32Array): Promise<[number[], number]> {
  const n = images.length / 784;
  const logits = await dq.run(m, images); // the first call also builds the executor
  let reps = 0;
  const t0 = performance.now();
  do {
    await dq.run(m, images);
    reps++;
  } while (performance.now() - t0 < 30 && reps < 1000);
  return [[...dq.predictions(logits, m.classes)], (performance.now() - t0) / (reps * n)];
}

async function infer(images: Float32Array): Promise<Inferred> {
  if (!model || !int8 || !selected) throw new Error('calibrate and select first');
  const [float, tf] = await timed(model, images);
  const [i8, ti] = await timed(int8, images);
  const [sel, ts] = await timed(selected, images);
  return { float, int8: i8, selected: sel, msPerImage: { float: tf, int8: ti, selected: ts } };
}

async function selftest(count: number): Promise<SelfTest> {
  if (!selected || !digits) throw new Error('select first');
  const x = digits.test.images.subarray(0, count * 784);
  const again = dq.loadModel(dq.saveModel(selected)); // fresh executors
  const simd = await dq.usesSimd(again);
  const bytes = async (o: dq.EngineOptions) => [...new Uint8Array((await dq.run(again, x, o)).buffer)];
  return { simd, threads: await dq.usesThreads(again), isolated: isolated(), simdBytes: simd ? await bytes({ simd: true }) : undefined, scalarBytes: await bytes({ simd: false }), dq: [...dq.saveModel(selected)], budget };
}

self.onmessage = async (e: MessageEvent<Request & { id: number }>) => {
  const r = e.data;
  try {
    const result = r.type === 'load' ? await load(r.bytes, r.name) : r.type === 'prepare' ? await prepare() : r.type === 'select' ? await select(r.budget)
      : r.type === 'infer' ? await infer(r.images) : await selftest(r.count);
    post({ id: r.id, result });
  } catch (err) {
    post({ id: r.id, error: (err as Error).message });
  }
};
