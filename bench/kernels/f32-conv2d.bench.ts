// f32_conv2d throughput on the ResNet-20 (CIFAR-10) conv shapes, scalar vs SIMD in one run.
// Run: npm run asbuild && npm run embed && npx vite-node bench/kernels/f32-conv2d.bench.ts
// Prints cold (first call: heap growth, tier-up) and warm (median of REPEATS) GMAC/s per shape.
// A MAC is one multiply-add of the ONNX Conv definition (padding included in the count).
import { arch, cpus, platform } from "node:os";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { convOutputSize, type Conv2dF32Shape, type Engine } from "../../src/engine/engine.js";

const BATCH = 32;
const REPEATS = 7;

interface BenchShape {
  name: string; c: number; hw: number; m: number; stride: number; k: number;
}

// ResNet-20 layers (He et al. 2016, CIFAR variant), all 3x3 pad 1 except the 1x1 shortcut.
const SHAPES: BenchShape[] = [
  { name: "conv1 3->16 32x32", c: 3, hw: 32, m: 16, stride: 1, k: 3 },
  { name: "16->16 32x32", c: 16, hw: 32, m: 16, stride: 1, k: 3 },
  { name: "16->32 s2 32->16", c: 16, hw: 32, m: 32, stride: 2, k: 3 },
  { name: "32->32 16x16", c: 32, hw: 16, m: 32, stride: 1, k: 3 },
  { name: "32->64 s2 16->8", c: 32, hw: 16, m: 64, stride: 2, k: 3 },
  { name: "64->64 8x8", c: 64, hw: 8, m: 64, stride: 1, k: 3 },
];

function shapeOf(b: BenchShape, n: number): Conv2dF32Shape {
  const pad = (b.k - 1) >> 1;
  const o = convOutputSize(b.hw, b.k, b.stride, pad, pad, 1);
  return {
    n, c: b.c, h: b.hw, w: b.hw, m: b.m, kh: b.k, kw: b.k, strideH: b.stride, strideW: b.stride,
    padTop: pad, padLeft: pad, padBottom: pad, padRight: pad, dilationH: 1, dilationW: 1, group: 1, oh: o, ow: o,
  };
}

function fill(length: number): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = Math.sin(i * 0.37);
  return a;
}

function measure(engine: Engine, s: Conv2dF32Shape) {
  const x = fill(s.n * s.c * s.h * s.w);
  const w = fill(s.m * s.c * s.kh * s.kw);
  const bias = fill(s.m);
  const out = new Float32Array(s.n * s.m * s.oh * s.ow);
  const macs = s.n * s.m * s.oh * s.ow * s.c * s.kh * s.kw;
  let t0 = performance.now();
  engine.conv2dF32(x, w, bias, s, out);
  const cold = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    t0 = performance.now();
    engine.conv2dF32(x, w, bias, s, out);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const warm = times[REPEATS >> 1]!;
  return { cold: macs / cold / 1e6, warm: macs / warm / 1e6, ms: warm };
}

const engines = [await loadEngine({ simd: false }), await loadEngine({ simd: true })];
console.log(`f32_conv2d, batch ${BATCH}, warm = median of ${REPEATS}`);
console.log(`${cpus()[0]?.model ?? "?"} (${platform()} ${arch()}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log("shape                  MMAC    scalar GMAC/s (cold)   simd GMAC/s (cold)   simd ms   speedup");
let totalMacs = 0;
const totalMs = [0, 0];
for (const b of SHAPES) {
  const s = shapeOf(b, BATCH);
  const macs = s.n * s.m * s.oh * s.ow * s.c * s.kh * s.kw;
  const [sc, si] = engines.map((e) => measure(e, s));
  totalMacs += macs;
  totalMs[0]! += sc!.ms;
  totalMs[1]! += si!.ms;
  console.log(
    `${b.name.padEnd(20)} ${(macs / 1e6).toFixed(0).padStart(6)}` +
      `   ${sc!.warm.toFixed(2).padStart(8)} (${sc!.cold.toFixed(2).padStart(5)})` +
      `      ${si!.warm.toFixed(2).padStart(8)} (${si!.cold.toFixed(2).padStart(5)})` +
      `   ${si!.ms.toFixed(1).padStart(7)}   ${(sc!.ms / si!.ms).toFixed(2)}x`,
  );
}
console.log(`all shapes: scalar ${(totalMacs / totalMs[0]! / 1e6).toFixed(2)} GMAC/s, simd ${(totalMacs / totalMs[1]! / 1e6).toFixed(2)} GMAC/s`);
