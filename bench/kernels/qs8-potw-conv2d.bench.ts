// qs8_potw_conv2d_minmax (shift-add, PoT weights) vs qs8_qc8w_conv2d_minmax (int8 dot_i16x8 on
// the decoded weights) on the ResNet-20 (CIFAR-10) conv shapes, NHWC, batch 1 and 32, scalar and
// SIMD builds, same run. Run: npm run asbuild && npm run embed && npx vite-node bench/kernels/qs8-potw-conv2d.bench.ts
// GMAC-equivalent/s = MACs of the ONNX Conv definition (padding included) / time of one call,
// fastest of SAMPLES samples (the machine is shared: the minimum is the least disturbed).
// Weights: int8 100 * sin(0.37 i), PoT-coded by the `log` rule (exponents 0..7, 5-bit codes);
// the last column codes the same weights by the `floor` rule (exponents 0..6, 4-bit): the
// shift-add kernel's work depends on the nonzero taps and exponent levels per channel.
// Discarded routes and variants: the comment block at the top of
// assembly/kernels/qs8-potw-conv2d/wasmsimd.ts (numbers from this script, same machine).
import { convOutputSize, type Engine } from "../../src/engine/engine.js";
import type { PotRounding, QConv, QParams } from "../../src/ir/qgraph.js";
import { codeBits, potValue } from "../../src/core/pot-codec.js";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import { LayerRunner } from "../../src/runtime/layer-runner.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { machineStamp } from "../machine.js";

const BATCHES = [1, 32];
const SAMPLES = 7;
const SAMPLE_MS = 40;
const RULE: PotRounding = "log";

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

function qconv(b: BenchShape, rule: PotRounding): QConv {
  const o = convOutputSize(b.hw, 3, b.stride, 1, 1, 1);
  const geometry = {
    c: b.c, h: b.hw, w: b.hw, m: b.m, kh: 3, kw: 3, strideH: b.stride, strideW: b.stride,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationH: 1, dilationW: 1, group: 1, oh: o, ow: o,
  };
  const k = 9 * b.c;
  const bits = codeBits(rule);
  const weights = new Int16Array(b.m * k).map((_, i) => potValue(Math.round(100 * Math.sin(i * 0.37)), rule));
  const mult = new Int32Array(b.m), shift = new Int32Array(b.m);
  for (let i = 0; i < b.m; i++) {
    const q = quantizeMultiplier(2 ** -10 * (1 + i / b.m));
    mult[i] = q.mult;
    shift[i] = q.shift;
  }
  return {
    op: "conv", name: b.name, inputs: ["x"], outputs: ["y"], geometry, weights, pot: { rule, bits },
    weightScale: new Float32Array(b.m), bias: new Int32Array(b.m).map((_, i) => 100 * i), requant: { mult, shift }, qmin: -5, qmax: 127,
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

function bench(e: Engine, b: BenchShape, n: number, kernel: "int8" | "pot", rule = RULE) {
  const node = qconv(b, rule);
  const g = node.geometry;
  const xq: QParams = { scale: 0.1, zeroPoint: -3 }, yq: QParams = { scale: 0.1, zeroPoint: -5 };
  const xLen = n * g.h * g.w * g.c;
  const values = new Map([["x", { name: "x", shape: [g.h, g.w, g.c], q: xq }], ["y", { name: "y", shape: [g.oh, g.ow, g.m], q: yq }]]);
  const layer = new LayerRunner(e, node, values, n, kernel === "int8" ? "int8" : "shift-add");
  e.i8View(layer.inputs[0]!, xLen).set(new Int8Array(xLen).map((_, i) => Math.round(120 * Math.sin(i * 0.11))));
  return time(() => layer.runInPlace());
}

const [scalar, simd] = [await loadEngine({ simd: false }), await loadEngine({ simd: true })];
const stamp = machineStamp();
console.log(`qs8_potw_conv2d_minmax (shift-add) vs qs8_qc8w_conv2d_minmax (int8, decoded weights), ResNet-20 shapes, NHWC, rule ${RULE}`);
console.log(`warm = fastest of ${SAMPLES} samples of >= ${SAMPLE_MS} ms; GMAC-equivalent/s`);
console.log(`${stamp.cpu}, ${stamp.cores} cores, ${stamp.os}, node ${stamp.node} (V8 ${stamp.v8}), ${stamp.date}`);
for (const n of BATCHES) {
  console.log(`\nbatch ${n}`);
  console.log("shape                 MMAC   int8 scalar   pot scalar   int8 simd   pot simd   pot/int8 simd   pot simd (floor)");
  let macsTotal = 0;
  const msTotal = [0, 0, 0, 0, 0];
  for (const b of SHAPES) {
    const o = convOutputSize(b.hw, 3, b.stride, 1, 1, 1);
    const macs = n * o * o * b.m * b.c * 9;
    const r = [
      bench(scalar, b, n, "int8"), bench(scalar, b, n, "pot"), bench(simd, b, n, "int8"), bench(simd, b, n, "pot"),
      bench(simd, b, n, "pot", "floor"),
    ];
    macsTotal += macs;
    r.forEach((v, i) => (msTotal[i]! += v.ms));
    const gmacs = (ms: number) => (macs / ms / 1e6).toFixed(2);
    console.log(
      `${b.name.padEnd(19)} ${(macs / 1e6).toFixed(1).padStart(6)}   ${gmacs(r[0]!.ms).padStart(11)}   ${gmacs(r[1]!.ms).padStart(10)}` +
        `   ${gmacs(r[2]!.ms).padStart(9)}   ${gmacs(r[3]!.ms).padStart(8)}   ${(r[2]!.ms / r[3]!.ms).toFixed(2).padStart(13)}` +
        `   ${gmacs(r[4]!.ms).padStart(16)}`,
    );
  }
  const all = (i: number) => (macsTotal / msTotal[i]! / 1e6).toFixed(2);
  console.log(`all shapes (sum of times): int8 scalar ${all(0)}, pot scalar ${all(1)}, int8 simd ${all(2)}, pot simd ${all(3)} (floor ${all(4)}) GMAC/s`);
}
