// qs8_potw_gemm_minmax (shift-add QGemm, power-of-two weights): both wasm builds against the int8
// kernel on the decoded weights (Engine.gemm) and against qs8Gemm, byte for byte. k, m and batch
// tails come from the kernel's tile constants (POTW_KR, POTW_PANEL_PIXELS rows per panel,
// POTW_SEGMENT_TAPS taps per segment); codes from all three rules and direct fills.
import { beforeAll, describe, expect, it } from "vitest";
import type { PotRounding, QGemm, QParams } from "../../src/ir/qgraph.js";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import { qs8Gemm } from "../../src/runtime/reference/qs8-ops.js";
import { PARAMS_SIZES, POTW_KR, POTW_PANEL_PIXELS, POTW_SEGMENT_TAPS, type Engine } from "../../src/runtime/kernels.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { potWeights } from "../helpers/pot-codes.js";
import { mulberry32, randInt } from "../helpers/rng.js";

interface GemmCase {
  n: number; k: number; m: number; zx?: number; zy?: number;
  scale?: "typical" | "raw" | "tiny"; relu?: boolean; xFill?: number; wFill?: number;
  rule?: PotRounding; zeroChannels?: boolean; allExponents?: boolean;
}


function makeCase(t: GemmCase, seed: number) {
  const rng = mulberry32(seed);
  const { weights, rule, bits } = potWeights(rng, t.m * t.k, t.k, t);
  const accStd = 74 * 74 * Math.sqrt(t.k);
  const bias = new Int32Array(t.m).map(() => randInt(rng, -accStd, accStd));
  const mult = new Int32Array(t.m), shift = new Int32Array(t.m);
  for (let i = 0; i < t.m; i++) {
    if (t.scale === "raw") {
      mult[i] = randInt(rng, 2 ** 30, 2 ** 31 - 1);
      shift[i] = randInt(rng, 1, 40);
    } else {
      const q = quantizeMultiplier(t.scale === "tiny" ? 2 ** -20 * (1 + rng()) : (40 / accStd) * 2 ** (2 * rng() - 1));
      mult[i] = q.mult;
      shift[i] = q.shift;
    }
  }
  const xq: QParams = { scale: 0.1, zeroPoint: t.zx ?? randInt(rng, -20, 20) };
  const yq: QParams = { scale: 0.1, zeroPoint: t.zy ?? randInt(rng, -20, 20) };
  const node: QGemm = {
    op: "gemm", name: label(t), inputs: ["x"], outputs: ["y"], k: t.k, m: t.m, weights, pot: { rule, bits },
    weightScale: new Float32Array(t.m), bias, requant: { mult, shift }, qmin: t.relu ? yq.zeroPoint : -128, qmax: 127,
  };
  const x = new Int8Array(t.n * t.k).map(() => t.xFill ?? randInt(rng, -128, 127));
  return { node, x, xq, yq, n: t.n };
}

function label(t: GemmCase): string {
  return `n${t.n} k${t.k} m${t.m} ${t.rule ?? "log"}${t.zx !== undefined ? ` zx${t.zx}` : ""}${t.zy !== undefined ? ` zy${t.zy}` : ""}` +
    `${t.scale ? ` ${t.scale}` : ""}${t.relu ? " relu" : ""}${t.xFill !== undefined ? ` x=${t.xFill}` : ""}${t.wFill !== undefined ? ` w=${t.wFill}` : ""}` +
    `${t.zeroChannels ? " zero-channels" : ""}${t.allExponents ? " all-exponents" : ""}`;
}

function run(e: Engine, c: ReturnType<typeof makeCase>, kernel: "pot" | "int8"): Int8Array {
  const x = e.alloc(c.x.length), y = e.alloc(c.n * c.node.m);
  if (kernel === "pot") {
    const h = e.packPotGemm(c.node, c.xq);
    e.i8View(x, c.x.length).set(c.x);
    e.potGemm(h, x, y, c.n, c.xq, c.yq);
  } else {
    const h = e.packGemm(c.node, c.xq);
    e.i8View(x, c.x.length).set(c.x);
    e.gemm(h, x, y, c.n, c.xq, c.yq);
  }
  return e.i8View(y, c.n * c.node.m).slice();
}

function cases(): GemmCase[] {
  const rules: PotRounding[] = ["log", "linear", "floor"];
  const out: GemmCase[] = [];
  for (const rule of rules) out.push({ n: 1, k: 64, m: 10, rule }, { n: 32, k: 64, m: 10, relu: true, rule }); // ResNet-20's classifier
  for (let k = 1; k <= 2 * POTW_KR + 1; k++) out.push({ n: 3, k, m: 5, rule: rules[k % 3] });
  for (let m = 1; m <= 9; m++) out.push({ n: 2, k: 19, m, rule: rules[m % 3] });
  const P = POTW_PANEL_PIXELS;
  for (const n of [1, 2, POTW_KR - 1, POTW_KR, POTW_KR + 1, P - 1, P, P + 1, 2 * P + POTW_KR + 3]) out.push({ n, k: 24, m: 6, rule: rules[n % 3] });
  for (const zx of [-128, 0, 127]) for (const zy of [-128, 127]) out.push({ n: 3, k: 33, m: 7, zx, zy, rule: rules[(zx + 128) % 3] });
  out.push({ n: 4, k: 50, m: 9, scale: "raw" }, { n: 2, k: 70, m: 6, scale: "raw", relu: true, zy: 3, rule: "floor" });
  out.push({ n: 5, k: 40, m: 9, zeroChannels: true }, { n: 5, k: 40, m: 9, allExponents: true, rule: "floor" });
  // worst-case accumulators, and levels with more taps than one segment holds
  const s = POTW_SEGMENT_TAPS;
  for (const k of [576, s - 1, s, s + 1, 2 * s, 2 * s + 1, 4096]) {
    for (const wFill of [128, -128]) out.push({ n: 2, k, m: 3, xFill: -128, zx: 127, wFill, scale: "tiny" });
  }
  out.push({ n: 2, k: 576, m: 4, xFill: 127, zx: -128, wFill: -64, scale: "tiny", rule: "floor" });
  out.push({ n: 3, k: 4096, m: 5, allExponents: true }, { n: 3, k: 1000, m: 5, relu: true, rule: "linear" });
  return out;
}

describe("qs8_potw_gemm_minmax", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  it("params struct size", () => expect(PARAMS_SIZES.QS8_POTW_GEMM_PARAMS_SIZE).toBe(44));

  cases().forEach((t, i) => {
    it(label(t), () => {
      const c = makeCase(t, 500 + i);
      const want = qs8Gemm(c.x, c.n, c.node, c.xq, c.yq);
      expect(run(scalar, c, "int8")).toEqual(want);
      expect(run(simd, c, "int8")).toEqual(want);
      expect(run(scalar, c, "pot")).toEqual(want);
      expect(run(simd, c, "pot")).toEqual(want);
    });
  });

  it("repeated runs never grow memory; bad inputs throw", () => {
    const c = makeCase({ n: 3, k: 64, m: 10 }, 1);
    for (const e of [scalar, simd]) {
      const h = e.packPotGemm(c.node, c.xq);
      const x = e.alloc(c.x.length), y = e.alloc(c.n * c.node.m);
      e.i8View(x, c.x.length).set(c.x);
      const bytes = e.memoryBytes;
      e.potGemm(h, x, y, c.n, c.xq, c.yq);
      e.potGemm(h, x, y, c.n, c.xq, c.yq);
      expect(e.i8View(y, c.n * c.node.m).slice()).toEqual(qs8Gemm(c.x, c.n, c.node, c.xq, c.yq));
      expect(e.memoryBytes).toBe(bytes);
      expect(() => e.potGemm(h, x, y, c.n, { ...c.xq, zeroPoint: c.xq.zeroPoint + 1 }, c.yq)).toThrow(/zero point/);
      expect(() => e.potGemm(h, x, x + 1, c.n, c.xq, c.yq)).toThrow(/overlaps/);
    }
    const h = simd.packPotGemm(c.node, c.xq);
    expect(() => scalar.potGemm(h, 64, 4096, 1, c.xq, c.yq)).toThrow(/another Engine/);
    expect(() => simd.packPotGemm({ ...c.node, pot: undefined }, c.xq)).toThrow(/no power-of-two/);
    expect(() => simd.packPotGemm({ ...c.node, pot: { ...c.node.pot!, bits: 4 } }, c.xq)).toThrow(/not a 4-bit PoT weight/);
  });
});
