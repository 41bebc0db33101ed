// qs8_potw_conv2d_minmax (shift-add, power-of-two weights): both wasm builds against the int8
// kernel run on the decoded weights (Engine.conv) and against src/runtime/reference/qs8-ops.ts
// (qs8Conv2d), byte for byte. Codes come from all three rounding rules (4-bit floor, 5-bit log
// and linear) and from direct fills (all-zero channels, all +-128, one exponent everywhere).
// Shapes come from the kernel's tile constants (POTW_PANEL_PIXELS pixels per panel, POTW_KR,
// POTW_SEGMENT_TAPS taps per segment), plus strides, pads, dilation, groups / depthwise, batches,
// zero-point and scale extremes, clamps and worst-case accumulators.
import { beforeAll, describe, expect, it } from "vitest";
import type { Conv2dGeometry, PotRounding, QConv, QParams } from "../../src/ir/qgraph.js";
import { codeBits, decodePot, encodePot, maxPotExponent } from "../../src/core/pot-codec.js";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import { qs8Conv2d } from "../../src/runtime/reference/qs8-ops.js";
import {
  convOutputSize, PARAMS_SIZES, POTW_KR, POTW_PANEL_PIXELS, POTW_SEGMENT_TAPS, type Engine,
} from "../../src/runtime/kernels.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { potWeights } from "../helpers/pot-codes.js";
import { mulberry32, randInt } from "../helpers/rng.js";

type Rng = () => number;
const RULES: PotRounding[] = ["log", "linear", "floor"];

interface ConvCase {
  n?: number; c: number; h: number; w: number; m: number;
  kh?: number; kw?: number; stride?: [number, number];
  pads?: [number, number, number, number]; // top, left, bottom, right
  dilation?: [number, number]; group?: number;
  zx?: number; zy?: number;
  /**
   * "typical": real multipliers around 40 / accStd; "tiny": ~2^-20; "one": just below 1; "raw": mult/shift
   * drawn directly, shift 1..40; "edge": shifts 31, 32, 33, 62 (the SIMD requantization switches paths at 32)
   */
  scale?: "typical" | "tiny" | "one" | "raw" | "edge";
  relu?: boolean; qmin?: number; qmax?: number;
  rule?: PotRounding;
  /** every x = xFill; every weight = wFill (an int8 value, or 128 / -128: PoT exponent 7) */
  xFill?: number; wFill?: number;
  /** every third output channel has only zero weights */
  zeroChannels?: boolean;
  /** weights drawn as +-2^e with e uniform in 0..7 (or 0..6 for floor), no zeros */
  allExponents?: boolean;
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

function requantFor(rng: Rng, m: number, scale: ConvCase["scale"], accStd: number): { mult: Int32Array; shift: Int32Array } {
  const mult = new Int32Array(m), shift = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    if (scale === "raw" || scale === "edge") {
      mult[i] = randInt(rng, 2 ** 30, 2 ** 31 - 1);
      shift[i] = scale === "raw" ? randInt(rng, 1, 40) : [31, 32, 33, 62][i % 4]!;
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
  const { weights, rule, bits } = potWeights(rng, g.m * k, k, t);
  const bias = new Int32Array(g.m);
  const accStd = 74 * 74 * Math.sqrt(k);
  for (let i = 0; i < g.m; i++) bias[i] = randInt(rng, -accStd, accStd);
  const xq: QParams = { scale: 0.05, zeroPoint: t.zx ?? randInt(rng, -20, 20) };
  const yq: QParams = { scale: 0.1, zeroPoint: t.zy ?? randInt(rng, -20, 20) };
  const qmin = t.qmin ?? (t.relu ? yq.zeroPoint : -128);
  const qmax = t.qmax ?? 127;
  const node: QConv = {
    op: "conv", name: label(t), inputs: ["x"], outputs: ["y"], geometry: g, weights, pot: { rule, bits },
    weightScale: new Float32Array(g.m).fill(0.01), bias, requant: requantFor(rng, g.m, t.scale ?? "typical", accStd), qmin, qmax,
  };
  const x = new Int8Array(n * g.h * g.w * g.c);
  for (let i = 0; i < x.length; i++) x[i] = t.xFill ?? randInt(rng, -128, 127);
  return { node, x, n, xq, yq };
}

function label(t: ConvCase): string {
  const g = geometryOf(t);
  return `n${t.n ?? 1} ${g.h}x${g.w}x${g.c} -> ${g.oh}x${g.ow}x${g.m} k${g.kh}x${g.kw} s${g.strideH},${g.strideW} ` +
    `p${g.padTop},${g.padLeft},${g.padBottom},${g.padRight} d${g.dilationH},${g.dilationW} g${g.group} ${t.rule ?? "log"}` +
    (t.zx !== undefined ? ` zx${t.zx}` : "") + (t.zy !== undefined ? ` zy${t.zy}` : "") +
    (t.scale ? ` ${t.scale}` : "") + (t.relu ? " relu" : "") + (t.qmin !== undefined || t.qmax !== undefined ? ` q[${t.qmin ?? -128},${t.qmax ?? 127}]` : "") +
    (t.xFill !== undefined ? ` x=${t.xFill}` : "") + (t.wFill !== undefined ? ` w=${t.wFill}` : "") +
    (t.zeroChannels ? " zero-channels" : "") + (t.allExponents ? " all-exponents" : "");
}

type Case = ReturnType<typeof makeCase>;

/** Pack, copy x in, run (shift-add potConv, or the int8 conv on the decoded weights), copy y out. */
function runConv(e: Engine, c: Case, kernel: "pot" | "int8"): Int8Array {
  const g = c.node.geometry;
  const xPtr = e.alloc(c.x.length);
  const yLen = c.n * g.oh * g.ow * g.m;
  const yPtr = e.alloc(yLen);
  if (kernel === "pot") {
    const h = e.packPotConv(c.node, c.xq);
    e.i8View(xPtr, c.x.length).set(c.x);
    e.potConv(h, xPtr, yPtr, c.n, c.xq, c.yq);
  } else {
    const h = e.packConv(c.node, c.xq);
    e.i8View(xPtr, c.x.length).set(c.x);
    e.conv(h, xPtr, yPtr, c.n, c.xq, c.yq);
  }
  return e.i8View(yPtr, yLen).slice();
}

function firstDiff(a: Int8Array, b: Int8Array): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `[${i}]: ${a[i]} vs reference ${b[i]}`;
  return null;
}

const NAMED: ConvCase[] = [];
for (const rule of RULES) {
  NAMED.push(
    { c: 3, h: 32, w: 32, m: 16, rule }, // ResNet-20 conv1 (K = 27)
    { c: 16, h: 32, w: 32, m: 16, relu: true, rule },
    { c: 16, h: 32, w: 32, m: 32, stride: [2, 2], rule },
    { c: 32, h: 16, w: 16, m: 32, rule, relu: true },
    { c: 32, h: 16, w: 16, m: 64, stride: [2, 2], rule },
    { c: 64, h: 8, w: 8, m: 64, n: 2, rule }, // K = 576
  );
}
NAMED.push(
  { c: 16, h: 32, w: 32, m: 32, kh: 1, kw: 1, stride: [2, 2], pads: [0, 0, 0, 0], rule: "linear" },
  { n: 3, c: 5, h: 6, w: 7, m: 6, rule: "floor" },
  { c: 5, h: 9, w: 11, m: 7, pads: [0, 2, 1, 0] },
  { c: 4, h: 10, w: 13, m: 5, dilation: [2, 2], rule: "linear" },
  { c: 3, h: 11, w: 12, m: 5, dilation: [2, 3], stride: [2, 1], pads: [2, 0, 1, 3], rule: "floor" },
  { c: 6, h: 8, w: 9, m: 4, group: 2 },
  { c: 12, h: 7, w: 7, m: 18, group: 3, stride: [2, 2], rule: "floor" },
  { n: 2, c: 8, h: 7, w: 10, m: 8, group: 8 }, // depthwise
  { c: 6, h: 9, w: 9, m: 12, group: 6, pads: [2, 0, 0, 1], rule: "linear" }, // depthwise, multiplier 2
  { c: 32, h: 6, w: 6, m: 32, group: 32, stride: [2, 2], rule: "floor" },
  { c: 7, h: 5, w: 6, m: 9, kh: 1, kw: 1, pads: [0, 0, 0, 0] },
  { c: 2, h: 3, w: 4, m: 3, kh: 5, kw: 5, pads: [3, 3, 3, 3] }, // windows entirely in padding
  { c: 2, h: 1, w: 1, m: 1, kh: 1, kw: 1, pads: [0, 0, 0, 0] },
  { c: 3, h: 6, w: 5, m: 4, kh: 2, kw: 4, pads: [0, 1, 1, 2], rule: "linear" },
  { c: 3, h: 17, w: 19, m: 5, stride: [3, 3] },
  { c: 16, h: 9, w: 9, m: 10, zeroChannels: true },
  { c: 16, h: 9, w: 9, m: 10, zeroChannels: true, rule: "floor", group: 2 },
  { c: 16, h: 9, w: 9, m: 10, allExponents: true },
  { c: 16, h: 9, w: 9, m: 10, allExponents: true, rule: "floor" },
  // output channels staged 16 at a time by the SIMD kernel: blocks, channel tails, panel tails
  { c: 8, h: 9, w: 8, m: 20 },
  { n: 2, c: 6, h: 8, w: 8, m: 66, group: 2, rule: "linear" },
  { c: 5, h: 4, w: 16, m: 48, rule: "floor", kh: 1, kw: 1, pads: [0, 0, 0, 0] },
);

/** Extremes: zero points, scales, clamps, worst-case accumulators at K = 576. */
const EXTREMES: ConvCase[] = [];
for (const zx of [-128, 0, 127]) {
  for (const zy of [-128, 0, 127]) EXTREMES.push({ c: 9, h: 6, w: 7, m: 6, zx, zy, rule: RULES[(zx + zy + 512) % 3] });
}
for (const scale of ["tiny", "one", "raw", "edge"] as const) {
  EXTREMES.push({ c: 16, h: 8, w: 8, m: 12, scale }, { n: 2, c: 5, h: 5, w: 9, m: 7, scale, zx: 127, zy: -128, rule: "floor" });
}
EXTREMES.push(
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: -5 },
  { c: 16, h: 8, w: 8, m: 10, qmin: -20, qmax: 30, rule: "linear" },
  { c: 16, h: 8, w: 8, m: 10, qmin: 7, qmax: 7 },
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: 127, rule: "floor" },
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: -128, scale: "raw" },
);
// worst-case accumulators: K = 576 taps of one exponent (3 segments of <= 255), all x at an extreme
for (const wFill of [128, -128, 127, -127, 1]) {
  for (const zx of [127, -128]) {
    EXTREMES.push({ c: 64, h: 6, w: 6, m: 9, xFill: -128, wFill, zx, scale: "tiny" });
    EXTREMES.push({ c: 64, h: 5, w: 5, m: 5, xFill: 127, wFill, zx, scale: "typical", pads: [2, 0, 0, 2] });
  }
}
EXTREMES.push(
  { c: 64, h: 6, w: 6, m: 9, xFill: -128, wFill: 64, zx: 127, scale: "tiny", rule: "floor" }, // 4-bit exponent 6 everywhere
  { c: 64, h: 6, w: 6, m: 9, xFill: -128, wFill: -64, zx: -128, scale: "tiny", rule: "floor" },
);

/** Tails generated from the tile constants. */
function tailCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  // output pixels around the panel: 1 .. 2P + 1 (one output row)
  for (let w = 1; w <= 2 * POTW_PANEL_PIXELS + 1; w += w < POTW_KR + 2 ? 1 : 3) cases.push({ c: 4, h: 1, w, m: 3, kh: 1, pads: [0, 1, 0, 1] });
  for (const pixels of [POTW_PANEL_PIXELS - 1, POTW_PANEL_PIXELS, POTW_PANEL_PIXELS + 1, 3 * POTW_PANEL_PIXELS + POTW_KR - 1]) {
    cases.push({ c: 8, h: 1, w: pixels, m: 5, rule: "linear" });
  }
  // K around the transpose granule
  for (let c = 1; c <= 2 * POTW_KR + 1; c++) cases.push({ c, h: 4, w: 4, m: 5, kh: 1, kw: 1, pads: [0, 0, 0, 0], rule: RULES[c % 3] });
  for (let c = 1; c <= 2 * POTW_KR + 1; c++) cases.push({ c, h: 3, w: 5, m: 4, rule: RULES[c % 3] });
  // taps per level around the segment size: 1x1 convs whose K = c taps all share one exponent
  const s = POTW_SEGMENT_TAPS;
  for (const c of [s - 1, s, s + 1, 2 * s, 2 * s + 1]) {
    cases.push({ c, h: 2, w: 3, m: 3, kh: 1, kw: 1, pads: [0, 0, 0, 0], xFill: -128, wFill: -128, zx: 127, scale: "tiny" });
    cases.push({ c, h: 2, w: 3, m: 3, kh: 1, kw: 1, pads: [0, 0, 0, 0], wFill: 128 });
    cases.push({ c, h: 2, w: 3, m: 3, kh: 1, kw: 1, pads: [0, 0, 0, 0], allExponents: true, rule: "floor" });
  }
  for (let m = 1; m <= 9; m++) cases.push({ c: 3, h: 4, w: 5, m });
  return cases;
}

function randomCases(seed: number, count: number): ConvCase[] {
  const rng = mulberry32(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const group = rng() < 0.3 ? randInt(rng, 1, 4) : 1;
    const t: ConvCase = {
      n: randInt(rng, 1, 3), c: group * randInt(rng, 1, 20), h: randInt(rng, 1, 14), w: randInt(rng, 1, 14),
      m: group * randInt(rng, 1, 11), kh: randInt(rng, 1, 5), kw: randInt(rng, 1, 5), group,
      stride: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      pads: [randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3)],
      dilation: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      zx: [-128, 127, 0, randInt(rng, -128, 127)][randInt(rng, 0, 3)], zy: randInt(rng, -128, 127),
      scale: (["typical", "tiny", "one", "raw", "edge"] as const)[randInt(rng, 0, 4)], relu: rng() < 0.3,
      rule: RULES[randInt(rng, 0, 2)], zeroChannels: rng() < 0.2, allExponents: rng() < 0.2,
    };
    const g = geometryOf(t);
    if (g.oh >= 1 && g.ow >= 1) cases.push(t);
  }
  return cases;
}

describe("qs8_potw_conv2d_minmax", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  it("params struct size matches the wasm builds", () => {
    expect(PARAMS_SIZES.QS8_POTW_CONV2D_PARAMS_SIZE).toBe(112);
  });

  const suites: [string, ConvCase[]][] = [
    ["named", NAMED],
    ["extremes", EXTREMES],
    ["tails", tailCases()],
    ["random", randomCases(0x90e2, 80)],
  ];
  for (const [suite, cases] of suites) {
    describe(suite, () => {
      cases.forEach((t, i) => {
        it(label(t), () => {
          const c = makeCase(t, 9100 + i);
          const want = qs8Conv2d(c.x, c.n, c.node, c.xq, c.yq);
          if (suite === "named" && !t.zeroChannels) {
            // the case must exercise requantization, not just the clamp
            const inside = want.filter((v) => v > -128 && v < 127).length;
            expect(inside).toBeGreaterThan(want.length / 3);
          }
          expect(firstDiff(runConv(scalar, c, "int8"), want)).toBeNull();
          expect(firstDiff(runConv(simd, c, "int8"), want)).toBeNull();
          expect(firstDiff(runConv(scalar, c, "pot"), want)).toBeNull();
          expect(firstDiff(runConv(simd, c, "pot"), want)).toBeNull();
        });
      });
    });
  }

  it("layers coded by encodePot: every rule's weights follow the rule's definition, and run bit-exact", () => {
    // the oracle is the rules' definition by brute force over 2^0 .. 2^maxExp, not the codec
    const definition = (q: number, rule: PotRounding): number => {
      if (q === 0) return 0;
      const a = Math.abs(q);
      const powers = Array.from({ length: maxPotExponent(codeBits(rule)) + 1 }, (_, e) => 2 ** e);
      const dist = (p: number) => (rule === "log" ? Math.abs(Math.log2(a) - Math.log2(p)) : Math.abs(a - p));
      const best = rule === "floor" ? Math.max(...powers.filter((p) => p <= a))
        : powers.reduce((b, p) => (dist(p) <= dist(b) ? p : b)); // ascending: a tie goes to the larger power
      return Math.sign(q) * best;
    };
    for (const rule of RULES) {
      const bits = codeBits(rule);
      const c = makeCase({ c: 16, h: 8, w: 8, m: 8, rule }, 1);
      const rng = mulberry32(77);
      const q8 = Int8Array.from(c.node.weights, () => randInt(rng, -127, 127));
      const weights = Int16Array.from(q8, (q) => decodePot(encodePot(q, rule), bits));
      q8.forEach((q, i) => expect(weights[i], `${rule} q = ${q}`).toBe(definition(q, rule)));
      const coded = { ...c, node: { ...c.node, weights, pot: { rule, bits } } };
      const want = qs8Conv2d(coded.x, coded.n, coded.node, coded.xq, coded.yq);
      expect(firstDiff(runConv(scalar, coded, "pot"), want)).toBeNull();
      expect(firstDiff(runConv(simd, coded, "pot"), want)).toBeNull();
    }
  });

  it("repeated runs give the same bytes and never grow memory", () => {
    for (const e of [scalar, simd]) {
      const c = makeCase({ n: 3, c: 16, h: 9, w: 9, m: 10, stride: [2, 2] }, 5);
      const g = c.node.geometry;
      const h = e.packPotConv(c.node, c.xq);
      const big = makeCase({ c: 64, h: 8, w: 8, m: 64 }, 6);
      const hBig = e.packPotConv(big.node, big.xq);
      const xPtr = e.alloc(64 * 64), yPtr = e.alloc(64 * 64);
      e.i8View(xPtr, c.x.length).set(c.x);
      const yLen = c.n * g.oh * g.ow * g.m;
      const bytes = e.memoryBytes;
      const buffer = e.i8View(xPtr, 1).buffer;
      e.potConv(h, xPtr, yPtr, c.n, c.xq, c.yq);
      const first = e.i8View(yPtr, yLen).slice();
      e.i8View(xPtr, big.x.length).set(big.x);
      e.potConv(hBig, xPtr, yPtr, 1, big.xq, big.yq);
      e.i8View(xPtr, c.x.length).set(c.x);
      e.potConv(h, xPtr, yPtr, c.n, c.xq, c.yq);
      expect(e.i8View(yPtr, yLen).slice()).toEqual(first);
      expect(firstDiff(first, qs8Conv2d(c.x, c.n, c.node, c.xq, c.yq))).toBeNull();
      expect(e.memoryBytes).toBe(bytes);
      expect(e.i8View(xPtr, 1).buffer).toBe(buffer);
    }
  });

  it("rejects bad handles, codes, zero points, pointers and overlapping buffers", () => {
    const c = makeCase({ c: 4, h: 5, w: 5, m: 3 }, 9);
    const h = simd.packPotConv(c.node, c.xq);
    const x = simd.alloc(100), y = simd.alloc(100);
    expect(() => simd.potConv(h, x, y, 1, { ...c.xq, zeroPoint: c.xq.zeroPoint + 1 }, c.yq)).toThrow(/zero point/);
    expect(() => simd.potConv(h, x, y, 1, c.xq, { scale: 1, zeroPoint: 300 })).toThrow(/yq.zeroPoint/);
    expect(() => simd.potConv(h, x, y, 0, c.xq, c.yq)).toThrow(/n must be/);
    expect(() => simd.potConv(h, x, x + 10, 1, c.xq, c.yq)).toThrow(/overlaps/);
    expect(() => simd.potConv(h, x, simd.memoryBytes - 8, 1, c.xq, c.yq)).toThrow(/outside wasm memory/);
    expect(() => scalar.potConv(h, x, y, 1, c.xq, c.yq)).toThrow(/another Engine/);
    const int8 = simd.packConv(c.node, c.xq);
    expect(() => simd.potConv(int8 as never, x, y, 1, c.xq, c.yq)).toThrow(/packPotConv/);
    expect(() => simd.packPotConv({ ...c.node, pot: undefined }, c.xq)).toThrow(/no power-of-two/);
    for (const bad of [3, 256, -96]) { // not a power of two; exponent 8 does not exist in 5-bit codes
      const weights = Int16Array.from(c.node.weights);
      weights[3] = bad;
      expect(() => simd.packPotConv({ ...c.node, weights }, c.xq)).toThrow(new RegExp(`weights\\[3\\] = ${bad} is not a 5-bit PoT weight`));
    }
    const bad = { ...c.node, geometry: { ...c.node.geometry, oh: 9 } };
    expect(() => simd.packPotConv(bad, c.xq)).toThrow(/output size/);
    expect(() => simd.packPotConv({ ...c.node, qmin: 5, qmax: 4 }, c.xq)).toThrow(/qmin/);
  });
});
