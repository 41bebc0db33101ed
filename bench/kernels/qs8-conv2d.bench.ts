// qs8_qc8w_conv2d_minmax throughput on the ResNet-20 (CIFAR-10) conv shapes, NHWC, batch 1 and
// 32, scalar vs SIMD in one run; the float conv (f32_conv2d, NCHW) on the same shapes for scale.
// Run: npm run asbuild && npm run embed && npx vite-node bench/kernels/qs8-conv2d.bench.ts
// GMAC/s = MACs of the ONNX Conv definition (padding included) / time of one call, taken from
// the fastest of SAMPLES samples (the machine is shared: the minimum is the least disturbed).
// int8 calls run on buffers already in wasm memory (as the executor does); the f32 calls
// include copying x in and y out (its only API), a few percent at these sizes.
import { convOutputSize, type Conv2dF32Shape, type Engine } from "../../src/engine/engine.js";
import type { QConv, QParams } from "../../src/ir/qgraph.js";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import { LayerRunner } from "../../src/runtime/layer-runner.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { machineStamp } from "../machine.js";

const BATCHES = [1, 32];
const SAMPLES = 7;
/** Each sample repeats the call until this many ms have passed (batch-1 calls take ~0.1 ms). */
const SAMPLE_MS = 40;

interface BenchShape {
  name: string; c: number; hw: number; m: number; stride: number;
}

// ResNet-20 conv layers (He et al. 2016, CIFAR variant), 3x3 pad 1.
const SHAPES: BenchShape[] = [
  { name: "conv1 3->16 32x32", c: 3, hw: 32, m: 16, stride: 1 },
  { name: "16->16 32x32", c: 16, hw: 32, m: 16, stride: 1 },
  { name: "16->32 s2 32->16", c: 16, hw: 32, m: 32, stride: 2 },
  { name: "32->32 16x16", c: 32, hw: 16, m: 32, stride: 1 },
  { name: "32->64 s2 16->8", c: 32, hw: 16, m: 64, stride: 2 },
  { name: "64->64 8x8", c: 64, hw: 8, m: 64, stride: 1 },
];

function geometry(b: BenchShape) {
  const o = convOutputSize(b.hw, 3, b.stride, 1, 1, 1);
  return {
    c: b.c, h: b.hw, w: b.hw, m: b.m, kh: 3, kw: 3, strideH: b.stride, strideW: b.stride,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationH: 1, dilationW: 1, group: 1, oh: o, ow: o,
  };
}

function qconv(b: BenchShape): QConv {
  const g = geometry(b);
  const k = 9 * b.c;
  const weights = new Int8Array(b.m * k).map((_, i) => Math.round(100 * Math.sin(i * 0.37)));
  const mult = new Int32Array(b.m), shift = new Int32Array(b.m);
  for (let i = 0; i < b.m; i++) {
    const q = quantizeMultiplier(2 ** -10 * (1 + i / b.m));
    mult[i] = q.mult;
    shift[i] = q.shift;
  }
  return {
    op: "conv", name: b.name, inputs: ["x"], outputs: ["y"], geometry: g, weights, weightScale: new Float32Array(b.m),
    bias: new Int32Array(b.m).map((_, i) => 100 * i), requant: { mult, shift }, qmin: -5, qmax: 127,
  };
}

/** Fastest over SAMPLES of the mean ms per call; also the first (cold) call. */
function time(call: () => void): { cold: number; ms: number } {
  let t0 = performance.now();
  call();
  const cold = performance.now() - t0;
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    let reps = 0;
    t0 = performance.now();
    let t = t0;
    do {
      call();
      reps++;
      t = performance.now();
    } while (t - t0 < SAMPLE_MS);
    samples.push((t - t0) / reps);
  }
  return { cold, ms: Math.min(...samples) };
}

function benchQs8(e: Engine, b: BenchShape, n: number) {
  const node = qconv(b);
  const g = node.geometry;
  const xq: QParams = { scale: 0.1, zeroPoint: -3 }, yq: QParams = { scale: 0.1, zeroPoint: -5 };
  const values = new Map([["x", { name: "x", shape: [g.h, g.w, g.c], q: xq }], ["y", { name: "y", shape: [g.oh, g.ow, g.m], q: yq }]]);
  const layer = new LayerRunner(e, node, values, n, "int8");
  const xLen = n * g.h * g.w * g.c;
  e.i8View(layer.inputs[0]!, xLen).set(new Int8Array(xLen).map((_, i) => Math.round(120 * Math.sin(i * 0.11))));
  return time(() => layer.runInPlace());
}

function benchF32(e: Engine, b: BenchShape, n: number) {
  const g = geometry(b);
  const s: Conv2dF32Shape = { n, ...g };
  const x = new Float32Array(n * g.c * g.h * g.w).map((_, i) => Math.sin(i * 0.37));
  const w = new Float32Array(g.m * g.c * 9).map((_, i) => Math.cos(i * 0.21));
  const bias = new Float32Array(g.m);
  const out = new Float32Array(n * g.m * g.oh * g.ow);
  return time(() => e.conv2dF32(x, w, bias, s, out));
}

const [scalar, simd] = [await loadEngine({ simd: false }), await loadEngine({ simd: true })];
const gmacsOf = new Map<BenchShape, number>();
const stamp = machineStamp();
console.log(`qs8_qc8w_conv2d_minmax (NHWC) vs f32_conv2d (NCHW), ResNet-20 shapes; warm = fastest of ${SAMPLES} samples of >= ${SAMPLE_MS} ms`);
console.log(`${stamp.cpu}, ${stamp.cores} cores, ${stamp.os}, node ${stamp.node} (V8 ${stamp.v8}), ${stamp.date}`);
for (const n of BATCHES) {
  console.log(`\nbatch ${n}`);
  console.log("shape                 MMAC   qs8 scalar   qs8 simd (cold)    simd ms   f32 scalar   f32 simd   GMAC/s");
  let macsTotal = 0;
  const msTotal = [0, 0, 0, 0];
  for (const b of SHAPES) {
    const g = geometry(b);
    const macs = n * g.oh * g.ow * g.m * g.c * 9;
    const r = [benchQs8(scalar, b, n), benchQs8(simd, b, n), benchF32(scalar, b, n), benchF32(simd, b, n)];
    macsTotal += macs;
    r.forEach((v, i) => (msTotal[i]! += v.ms));
    gmacsOf.set(b, macs / r[1]!.ms / 1e6);
    const gmacs = (ms: number) => (macs / ms / 1e6).toFixed(2).padStart(8);
    console.log(
      `${b.name.padEnd(19)} ${(macs / 1e6).toFixed(1).padStart(6)}   ${gmacs(r[0]!.ms)}` +
        `   ${gmacs(r[1]!.ms)} (${(macs / r[1]!.cold / 1e6).toFixed(1).padStart(5)})   ${r[1]!.ms.toFixed(3).padStart(7)}` +
        `   ${gmacs(r[2]!.ms)}   ${gmacs(r[3]!.ms)}`,
    );
  }
  const all = (i: number) => (macsTotal / msTotal[i]! / 1e6).toFixed(2);
  console.log(`all shapes (sum of times): qs8 scalar ${all(0)}, qs8 simd ${all(1)}, f32 scalar ${all(2)}, f32 simd ${all(3)} GMAC/s`);
  if (n === 1) {
    // ResNet-20 (3n+2, n = 3): conv1, then 6 convs per stage; the first conv of stages 2 and 3 has stride 2.
    const layers = [1, 6, 1, 5, 1, 5];
    const ms = SHAPES.reduce((sum, b, i) => {
      const g = geometry(b);
      return sum + (layers[i]! * g.oh * g.ow * g.m * g.c * 9) / gmacsOf.get(b)! / 1e6;
    }, 0);
    console.log(`ResNet-20 conv layers at these rates: ${ms.toFixed(3)} ms per image (qs8 simd)`);
  }
}
