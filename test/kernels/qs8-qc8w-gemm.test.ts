// qs8_qc8w_gemm_minmax (QGemm): both wasm builds against qs8Gemm, byte for byte, with k, m and
// batch tails generated from the micro-kernel's tile constants, row tiles, extremes and clamps.
import { beforeAll, describe, expect, it } from "vitest";
import type { QGemm, QParams } from "../../src/ir/qgraph.js";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import { qs8Gemm } from "../../src/runtime/reference/qs8-ops.js";
import { PARAMS_SIZES, QS8_GEMM_KR, QS8_GEMM_MR, QS8_GEMM_NR, tileRows, type Engine } from "../../src/runtime/kernels.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32, randInt } from "../helpers/rng.js";

interface GemmCase {
  n: number; k: number; m: number; zx?: number; zy?: number;
  scale?: "typical" | "raw"; relu?: boolean; xFill?: number; wFill?: number;
}

function makeCase(t: GemmCase, seed: number) {
  const rng = mulberry32(seed);
  const weights = new Int8Array(t.m * t.k).map(() => t.wFill ?? randInt(rng, -128, 127));
  const accStd = 74 * 74 * Math.sqrt(t.k);
  const bias = new Int32Array(t.m).map(() => randInt(rng, -accStd, accStd));
  const mult = new Int32Array(t.m), shift = new Int32Array(t.m);
  for (let i = 0; i < t.m; i++) {
    if (t.scale === "raw") {
      mult[i] = randInt(rng, 2 ** 30, 2 ** 31 - 1);
      shift[i] = randInt(rng, 1, 40);
    } else {
      const q = quantizeMultiplier((40 / accStd) * 2 ** (2 * rng() - 1));
      mult[i] = q.mult;
      shift[i] = q.shift;
    }
  }
  const xq: QParams = { scale: 0.1, zeroPoint: t.zx ?? randInt(rng, -20, 20) };
  const yq: QParams = { scale: 0.1, zeroPoint: t.zy ?? randInt(rng, -20, 20) };
  const node: QGemm = {
    op: "gemm", name: `gemm n${t.n} k${t.k} m${t.m}`, inputs: ["x"], outputs: ["y"], k: t.k, m: t.m, weights,
    weightScale: new Float32Array(t.m), bias, requant: { mult, shift }, qmin: t.relu ? yq.zeroPoint : -128, qmax: 127,
  };
  const x = new Int8Array(t.n * t.k).map(() => t.xFill ?? randInt(rng, -128, 127));
  return { node, x, xq, yq, n: t.n };
}

function run(e: Engine, c: ReturnType<typeof makeCase>): Int8Array {
  const h = e.packGemm(c.node, c.xq);
  const x = e.alloc(c.x.length), y = e.alloc(c.n * c.node.m);
  e.i8View(x, c.x.length).set(c.x);
  e.gemm(h, x, y, c.n, c.xq, c.yq);
  return e.i8View(y, c.n * c.node.m).slice();
}

function cases(): GemmCase[] {
  const out: GemmCase[] = [{ n: 1, k: 64, m: 10 }, { n: 32, k: 64, m: 10, relu: true }]; // ResNet-20's classifier
  for (let k = 1; k <= 2 * QS8_GEMM_KR + 1; k++) out.push({ n: 3, k, m: 5 });
  for (let m = 1; m <= 2 * QS8_GEMM_NR + 1; m++) out.push({ n: 2, k: 19, m });
  for (let n = 1; n <= 2 * QS8_GEMM_MR + 1; n++) out.push({ n, k: 24, m: 6 });
  const bigK = 4096, tile = tileRows(bigK, 1 << 30); // rows per tile at a large K
  for (const n of [tile - 1, tile, tile + 1, 2 * tile + 1]) if (n >= 1) out.push({ n, k: bigK, m: 5 });
  for (const zx of [-128, 0, 127]) for (const zy of [-128, 127]) out.push({ n: 3, k: 33, m: 7, zx, zy });
  out.push({ n: 4, k: 50, m: 9, scale: "raw" }, { n: 2, k: 70, m: 6, scale: "raw", relu: true, zy: 3 });
  for (const wFill of [-127, 127, -128]) out.push({ n: 2, k: 576, m: 6, xFill: -128, zx: 127, wFill, scale: "typical" });
  return out;
}

describe("qs8_qc8w_gemm_minmax", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  it("params struct size", () => expect(PARAMS_SIZES.QS8_QC8W_GEMM_PARAMS_SIZE).toBe(48));

  cases().forEach((t, i) => {
    it(`n${t.n} k${t.k} m${t.m}${t.zx !== undefined ? ` zx${t.zx}` : ""}${t.zy !== undefined ? ` zy${t.zy}` : ""}${t.scale ? ` ${t.scale}` : ""}${t.relu ? " relu" : ""}${t.wFill !== undefined ? ` w=${t.wFill}` : ""}`, () => {
      const c = makeCase(t, 300 + i);
      const want = qs8Gemm(c.x, c.n, c.node, c.xq, c.yq);
      expect(run(scalar, c)).toEqual(want);
      expect(run(simd, c)).toEqual(want);
    });
  });

  it("same bytes on a second run; no memory growth; rejects a foreign zero point", () => {
    const c = makeCase({ n: 5, k: 40, m: 11 }, 1);
    const h = simd.packGemm(c.node, c.xq);
    const x = simd.alloc(c.x.length), y = simd.alloc(5 * 11);
    simd.i8View(x, c.x.length).set(c.x);
    const bytes = simd.memoryBytes;
    simd.gemm(h, x, y, 5, c.xq, c.yq);
    const first = simd.i8View(y, 55).slice();
    simd.gemm(h, x, y, 5, c.xq, c.yq);
    expect(simd.i8View(y, 55).slice()).toEqual(first);
    expect(simd.memoryBytes).toBe(bytes);
    expect(() => simd.gemm(h, x, y, 5, { scale: 1, zeroPoint: c.xq.zeroPoint + 1 }, c.yq)).toThrow(/zero point/);
    const conv = simd.packConv({
      op: "conv", name: "c", inputs: [], outputs: [], weights: new Int8Array(1), weightScale: new Float32Array(1),
      bias: new Int32Array(1), requant: { mult: Int32Array.of(2 ** 30), shift: Int32Array.of(31) }, qmin: -128, qmax: 127,
      geometry: { c: 1, h: 1, w: 1, m: 1, kh: 1, kw: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, dilationH: 1, dilationW: 1, group: 1, oh: 1, ow: 1 },
    }, c.xq);
    expect(() => simd.gemm(conv as never, x, y, 1, c.xq, c.yq)).toThrow(/packGemm/);
  });
});
