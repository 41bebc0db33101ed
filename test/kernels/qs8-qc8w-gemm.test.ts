// qs8_qc8w_gemm_minmax (QGemm): both wasm builds against qs8Gemm, byte for byte, with k, m and
// batch tails generated from the micro-kernel's tile constants, row tiles, extremes and clamps.
// Cases run through the shared harness (./harness.ts).
import { beforeAll, describe, it } from "vitest";
import { ABI_CONSTANTS } from "../../src/engine/abi.js";
import type { Engine } from "../../src/engine/engine.js";
import { tileRows } from "../../src/plan/pack-qc8w.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { randInt } from "../helpers/rng.js";
import { expectAllMatch, expectRejections, expectRepeatable, makeGemmCase, type GemmCase, type WeightsOf } from "./harness.js";

const { QS8_GEMM_KR, QS8_GEMM_MR, QS8_GEMM_NR } = ABI_CONSTANTS;
const label = (t: GemmCase) => `n${t.n} k${t.k} m${t.m}${t.zx !== undefined ? ` zx${t.zx}` : ""}${t.zy !== undefined ? ` zy${t.zy}` : ""}${t.scale ? ` ${t.scale}` : ""}${t.relu ? " relu" : ""}${t.wFill !== undefined ? ` w=${t.wFill}` : ""}`;
const int8Weights: WeightsOf<GemmCase> = (rng, count, _per, t) => ({ weights: new Int8Array(count).map(() => t.wFill ?? randInt(rng, -128, 127)) });
const makeCase = (t: GemmCase, seed: number) => makeGemmCase(t, seed, int8Weights, label(t));

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

  cases().forEach((t, i) => {
    it(label(t), () => expectAllMatch([scalar, simd], makeCase(t, 300 + i), ["int8"]));
  });

  it("same bytes on a second run; no memory growth; bad layers and pointers throw", () => {
    for (const e of [scalar, simd]) expectRepeatable(e, makeCase({ n: 5, k: 40, m: 11 }, 1), makeCase({ n: 2, k: 576, m: 6 }, 2), "int8");
    expectRejections(simd, makeCase({ n: 5, k: 40, m: 11 }, 1), "int8");
  });
});
