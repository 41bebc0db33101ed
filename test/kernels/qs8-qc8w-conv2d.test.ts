// qs8_qc8w_conv2d_minmax: both wasm builds against src/runtime/reference/qs8-ops.ts (qs8Conv2d),
// byte for byte. Shapes come from the kernel's tile constants (NR channels per block, MR rows
// per pass, KR = K granule, the row-buffer tile), plus strides, asymmetric pads, dilation,
// groups / depthwise, batches, zero-point and scale extremes, clamps and worst-case accumulators.
import { beforeAll, describe, expect, it } from "vitest";
import type { Conv2dGeometry, QConv, QParams } from "../../src/ir/qgraph.js";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import { qs8Conv2d } from "../../src/runtime/reference/qs8-ops.js";
import {
  convOutputSize, PARAMS_SIZES, QS8_GEMM_KR, QS8_GEMM_MR, QS8_GEMM_NR, tileRows, type Engine,
} from "../../src/runtime/kernels.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32, randInt } from "../helpers/rng.js";

type Rng = () => number;

interface ConvCase {
  n?: number; c: number; h: number; w: number; m: number;
  kh?: number; kw?: number; stride?: [number, number];
  pads?: [number, number, number, number]; // top, left, bottom, right
  dilation?: [number, number]; group?: number;
  zx?: number; zy?: number;
  /** "typical": real multipliers 2^-12..2^-4; "tiny": ~2^-20; "one": just below 1; "raw": mult/shift drawn directly, shift 1..40 */
  scale?: "typical" | "tiny" | "one" | "raw";
  relu?: boolean; qmin?: number; qmax?: number;
  /** "random" | all x = xFill with all weights = wFill */
  xFill?: number; wFill?: number;
}

function geometryOf(t: ConvCase): Conv2dGeometry {
  const kh = t.kh ?? 3, kw = t.kw ?? 3;
  const [strideH, strideW] = t.stride ?? [1, 1];
  const [padTop, padLeft, padBottom, padRight] = t.pads ?? [1, 1, 1, 1];
  const [dilationH, dilationW] = t.dilation ?? [1, 1];
  return {
    c: t.c, h: t.h, w: t.w, m: t.m, kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight,
    dilationH, dilationW, group: t.group ?? 1,
    oh: convOutputSize(t.h, kh, strideH, padTop, padBottom, dilationH),
    ow: convOutputSize(t.w, kw, strideW, padLeft, padRight, dilationW),
  };
}

/**
 * Per-channel (mult, shift). "typical" scales the accumulator's spread (accStd) to about +-40
 * output steps, so that most outputs land inside [-128, 127] rather than on the clamp.
 */
function requantFor(rng: Rng, m: number, scale: ConvCase["scale"], accStd: number): { mult: Int32Array; shift: Int32Array } {
  const mult = new Int32Array(m), shift = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    if (scale === "raw") {
      mult[i] = randInt(rng, 2 ** 30, 2 ** 31 - 1);
      shift[i] = randInt(rng, 1, 40);
      continue;
    }
    const real = scale === "tiny" ? 2 ** -20 * (1 + rng()) : scale === "one" ? 1 - 2 ** -randInt(rng, 8, 24) : (40 / accStd) * 2 ** (2 * rng() - 1);
    const q = quantizeMultiplier(real);
    mult[i] = q.mult;
    shift[i] = q.shift;
  }
  return { mult, shift };
}

function makeCase(t: ConvCase, seed: number) {
  const rng = mulberry32(seed);
  const g = geometryOf(t);
  const n = t.n ?? 1;
  const k = g.kh * g.kw * (g.c / g.group);
  const weights = new Int8Array(g.m * k);
  for (let i = 0; i < weights.length; i++) weights[i] = t.wFill ?? randInt(rng, -128, 127);
  const bias = new Int32Array(g.m);
  const accStd = 74 * 74 * Math.sqrt(k); // uniform int8 values have a standard deviation of about 74
  for (let i = 0; i < g.m; i++) bias[i] = randInt(rng, -accStd, accStd);
  const xq: QParams = { scale: 0.05, zeroPoint: t.zx ?? randInt(rng, -20, 20) };
  const yq: QParams = { scale: 0.1, zeroPoint: t.zy ?? randInt(rng, -20, 20) };
  const qmin = t.qmin ?? (t.relu ? yq.zeroPoint : -128);
  const qmax = t.qmax ?? 127;
  const node: QConv = {
    op: "conv", name: label(t), inputs: ["x"], outputs: ["y"], geometry: g, weights,
    weightScale: new Float32Array(g.m).fill(0.01), bias, requant: requantFor(rng, g.m, t.scale ?? "typical", accStd), qmin, qmax,
  };
  const x = new Int8Array(n * g.h * g.w * g.c);
  for (let i = 0; i < x.length; i++) x[i] = t.xFill ?? randInt(rng, -128, 127);
  return { node, x, n, xq, yq };
}

function label(t: ConvCase): string {
  const g = geometryOf(t);
  return `n${t.n ?? 1} ${g.h}x${g.w}x${g.c} -> ${g.oh}x${g.ow}x${g.m} k${g.kh}x${g.kw} s${g.strideH},${g.strideW} ` +
    `p${g.padTop},${g.padLeft},${g.padBottom},${g.padRight} d${g.dilationH},${g.dilationW} g${g.group}` +
    (t.zx !== undefined ? ` zx${t.zx}` : "") + (t.zy !== undefined ? ` zy${t.zy}` : "") +
    (t.scale ? ` ${t.scale}` : "") + (t.relu ? " relu" : "") + (t.qmin !== undefined || t.qmax !== undefined ? ` q[${t.qmin ?? -128},${t.qmax ?? 127}]` : "") +
    (t.xFill !== undefined ? ` x=${t.xFill} w=${t.wFill}` : "");
}

/** Runs the conv on one engine: pack, copy x in, run, copy y out. */
function runConv(e: Engine, c: ReturnType<typeof makeCase>): Int8Array {
  const g = c.node.geometry;
  const h = e.packConv(c.node, c.xq);
  const xPtr = e.alloc(c.x.length);
  const yLen = c.n * g.oh * g.ow * g.m;
  const yPtr = e.alloc(yLen);
  e.i8View(xPtr, c.x.length).set(c.x);
  e.conv(h, xPtr, yPtr, c.n, c.xq, c.yq);
  return e.i8View(yPtr, yLen).slice();
}

function firstDiff(a: Int8Array, b: Int8Array): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `[${i}]: ${a[i]} vs reference ${b[i]}`;
  return null;
}

const NAMED: ConvCase[] = [
  { c: 3, h: 32, w: 32, m: 16 }, // ResNet-20 conv1 (K = 27: padded to 32)
  { c: 16, h: 32, w: 32, m: 16, relu: true },
  { c: 16, h: 32, w: 32, m: 32, stride: [2, 2] },
  { c: 16, h: 32, w: 32, m: 32, kh: 1, kw: 1, stride: [2, 2], pads: [0, 0, 0, 0] },
  { c: 32, h: 16, w: 16, m: 64, stride: [2, 2], relu: true },
  { c: 64, h: 8, w: 8, m: 64, n: 2 }, // K = 576: several row-buffer tiles per image
  { n: 3, c: 5, h: 6, w: 7, m: 6 },
  { c: 5, h: 9, w: 11, m: 7, pads: [0, 2, 1, 0] },
  { c: 4, h: 10, w: 13, m: 5, dilation: [2, 2] },
  { c: 3, h: 11, w: 12, m: 5, dilation: [2, 3], stride: [2, 1], pads: [2, 0, 1, 3] },
  { c: 6, h: 8, w: 9, m: 4, group: 2 },
  { c: 12, h: 7, w: 7, m: 18, group: 3, stride: [2, 2] },
  { n: 2, c: 8, h: 7, w: 10, m: 8, group: 8 }, // depthwise
  { c: 6, h: 9, w: 9, m: 12, group: 6, pads: [2, 0, 0, 1] }, // depthwise, multiplier 2
  { c: 32, h: 6, w: 6, m: 32, group: 32, stride: [2, 2] },
  { c: 7, h: 5, w: 6, m: 9, kh: 1, kw: 1, pads: [0, 0, 0, 0] },
  { c: 2, h: 3, w: 4, m: 3, kh: 5, kw: 5, pads: [3, 3, 3, 3] }, // windows entirely in padding
  { c: 2, h: 1, w: 1, m: 1, kh: 1, kw: 1, pads: [0, 0, 0, 0] },
  { c: 3, h: 6, w: 5, m: 4, kh: 2, kw: 4, pads: [0, 1, 1, 2] },
  { c: 3, h: 17, w: 19, m: 5, stride: [3, 3] },
];

/** Extremes: zero points, scales, clamps, worst-case accumulators at K = 576. */
const EXTREMES: ConvCase[] = [];
for (const zx of [-128, 0, 127]) {
  for (const zy of [-128, 0, 127]) EXTREMES.push({ c: 9, h: 6, w: 7, m: 6, zx, zy });
}
for (const scale of ["tiny", "one", "raw"] as const) {
  EXTREMES.push({ c: 16, h: 8, w: 8, m: 12, scale }, { n: 2, c: 5, h: 5, w: 9, m: 7, scale, zx: 127, zy: -128 });
}
EXTREMES.push(
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: -5 },
  { c: 16, h: 8, w: 8, m: 10, qmin: -20, qmax: 30 },
  { c: 16, h: 8, w: 8, m: 10, qmin: 7, qmax: 7 },
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: 127 },
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: -128, scale: "raw" },
);
for (const wFill of [-127, 127, -128]) {
  for (const zx of [127, -128]) {
    EXTREMES.push({ c: 64, h: 6, w: 6, m: 9, xFill: -128, wFill, zx, scale: "tiny" });
    EXTREMES.push({ c: 64, h: 5, w: 5, m: 5, xFill: 127, wFill, zx, scale: "typical", pads: [2, 0, 0, 2] });
  }
}

/** Tails generated from the tile constants. */
function tailCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (let m = 1; m <= 2 * QS8_GEMM_NR + 1; m++) cases.push({ c: 3, h: 4, w: 5, m });
  for (let c = 1; c <= 2 * QS8_GEMM_KR + 1; c++) cases.push({ c, h: 4, w: 4, m: 5, kh: 1, kw: 1, pads: [0, 0, 0, 0] });
  for (let c = 1; c <= 2 * QS8_GEMM_KR + 1; c++) cases.push({ c, h: 3, w: 5, m: 4 });
  for (let w = 1; w <= 4 * QS8_GEMM_MR + 1; w++) cases.push({ c: 4, h: 1, w, m: 3, kh: 1, pads: [0, 1, 0, 1] });
  for (let w = 1; w <= 2 * 16 + 1; w += 3) cases.push({ c: 16, h: 2, w, m: 4, stride: [1, 2] });
  // pixel counts around the row-buffer tile (tileP rows of kPad bytes)
  const tileP = tileRows(64 * 9, 1 << 30);
  for (const pixels of [tileP - 1, tileP, tileP + 1, 2 * tileP + 1]) cases.push({ c: 64, h: 1, w: pixels, m: 5, kh: 3, kw: 3 });
  return cases;
}

function randomCases(seed: number, count: number): ConvCase[] {
  const rng = mulberry32(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const group = rng() < 0.3 ? randInt(rng, 1, 4) : 1;
    const t: ConvCase = {
      n: randInt(rng, 1, 3), c: group * randInt(rng, 1, 20), h: randInt(rng, 1, 14), w: randInt(rng, 1, 14),
      m: group * randInt(rng, 1, 2 * QS8_GEMM_NR + 3), kh: randInt(rng, 1, 5), kw: randInt(rng, 1, 5), group,
      stride: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      pads: [randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3)],
      dilation: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      zx: [-128, 127, 0, randInt(rng, -128, 127)][randInt(rng, 0, 3)], zy: randInt(rng, -128, 127),
      scale: (["typical", "tiny", "one", "raw"] as const)[randInt(rng, 0, 3)], relu: rng() < 0.3,
    };
    const g = geometryOf(t);
    if (g.oh >= 1 && g.ow >= 1) cases.push(t);
  }
  return cases;
}

describe("qs8_qc8w_conv2d_minmax", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  it("params struct sizes match the wasm builds", () => {
    expect(PARAMS_SIZES.QS8_QC8W_CONV2D_PARAMS_SIZE).toBe(104);
    expect(scalar.simd).toBe(false);
    expect(simd.simd).toBe(true);
  });

  const suites: [string, ConvCase[]][] = [
    ["named", NAMED],
    ["extremes", EXTREMES],
    ["tails", tailCases()],
    ["random", randomCases(0xc0417, 80)],
  ];
  for (const [suite, cases] of suites) {
    describe(suite, () => {
      cases.forEach((t, i) => {
        it(label(t), () => {
          const c = makeCase(t, 7000 + i);
          const want = qs8Conv2d(c.x, c.n, c.node, c.xq, c.yq);
          if (t.scale === undefined && t.xFill === undefined && t.qmin === undefined && t.zy === undefined) {
            // the case must exercise requantization, not just the clamp
            const inside = want.filter((v) => v > -128 && v < 127).length;
            expect(inside).toBeGreaterThan(want.length / 2);
          }
          expect(firstDiff(runConv(scalar, c), want)).toBeNull();
          expect(firstDiff(runConv(simd, c), want)).toBeNull();
        });
      });
    });
  }

  it("repeated runs give the same bytes and never grow memory", () => {
    for (const e of [scalar, simd]) {
      const c = makeCase({ n: 3, c: 16, h: 9, w: 9, m: 10, stride: [2, 2] }, 5);
      const g = c.node.geometry;
      const h = e.packConv(c.node, c.xq);
      const big = makeCase({ c: 64, h: 8, w: 8, m: 64 }, 6);
      const hBig = e.packConv(big.node, big.xq);
      const xPtr = e.alloc(64 * 64), yPtr = e.alloc(64 * 64);
      e.i8View(xPtr, c.x.length).set(c.x);
      const yLen = c.n * g.oh * g.ow * g.m;
      const bytes = e.memoryBytes;
      const buffer = e.i8View(xPtr, 1).buffer;
      e.conv(h, xPtr, yPtr, c.n, c.xq, c.yq);
      const first = e.i8View(yPtr, yLen).slice();
      e.i8View(xPtr, big.x.length).set(big.x);
      e.conv(hBig, xPtr, yPtr, 1, big.xq, big.yq);
      e.i8View(xPtr, c.x.length).set(c.x);
      e.conv(h, xPtr, yPtr, c.n, c.xq, c.yq);
      expect(e.i8View(yPtr, yLen).slice()).toEqual(first);
      expect(firstDiff(first, qs8Conv2d(c.x, c.n, c.node, c.xq, c.yq))).toBeNull();
      expect(e.memoryBytes).toBe(bytes);
      expect(e.i8View(xPtr, 1).buffer).toBe(buffer);
    }
  });

  it("rejects bad handles, zero points, pointers and overlapping buffers", () => {
    const c = makeCase({ c: 4, h: 5, w: 5, m: 3 }, 9);
    const h = simd.packConv(c.node, c.xq);
    const x = simd.alloc(100), y = simd.alloc(100);
    expect(() => simd.conv(h, x, y, 1, { ...c.xq, zeroPoint: c.xq.zeroPoint + 1 }, c.yq)).toThrow(/zero point/);
    expect(() => simd.conv(h, x, y, 1, c.xq, { scale: 1, zeroPoint: 300 })).toThrow(/yq.zeroPoint/);
    expect(() => simd.conv(h, x, y, 0, c.xq, c.yq)).toThrow(/n must be/);
    expect(() => simd.conv(h, x, x + 10, 1, c.xq, c.yq)).toThrow(/overlaps/);
    expect(() => simd.conv(h, x, simd.memoryBytes - 8, 1, c.xq, c.yq)).toThrow(/outside wasm memory/);
    expect(() => scalar.conv(h, x, y, 1, c.xq, c.yq)).toThrow(/another Engine/);
    const bad = { ...c.node, geometry: { ...c.node.geometry, oh: 9 } };
    expect(() => simd.packConv(bad, c.xq)).toThrow(/output size/);
    expect(() => simd.packConv({ ...c.node, weights: c.node.weights.subarray(1) }, c.xq)).toThrow(/weights have/);
    expect(() => simd.packConv({ ...c.node, qmin: 5, qmax: 4 }, c.xq)).toThrow(/qmin/);
    const shift = c.node.requant.shift.slice();
    shift[0] = 63;
    expect(() => simd.packConv({ ...c.node, requant: { ...c.node.requant, shift } }, c.xq)).toThrow(/shift/);
  });
});
