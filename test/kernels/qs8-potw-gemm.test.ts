// qs8_potw_gemm_minmax (shift-add QGemm, power-of-two weights): both wasm builds against the int8
// kernel on the decoded weights and against qs8Gemm, byte for byte. k, m and batch tails come
// from the kernel's tile constants (POTW_KR, POTW_PANEL_PIXELS rows per panel,
// POTW_SEGMENT_TAPS taps per segment); codes from all three rules and direct fills.
// Cases run through the shared harness (./harness.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { ABI_CONSTANTS } from "../../src/engine/abi.js";
import type { Engine } from "../../src/engine/engine.js";
import type { PotRounding } from "../../src/ir/qgraph.js";
import { LayerRunner } from "../../src/runtime/layer-runner.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { potWeights } from "../helpers/pot-codes.js";
import { expectAllMatch, expectRejections, expectRepeatable, makeGemmCase, valuesOf, type GemmCase as BaseCase, type WeightsOf } from "./harness.js";

const { POTW_KR, POTW_PANEL_PIXELS, POTW_SEGMENT_TAPS } = ABI_CONSTANTS;

interface GemmCase extends BaseCase {
  rule?: PotRounding; zeroChannels?: boolean; allExponents?: boolean;
}

const potLayerWeights: WeightsOf<GemmCase> = (rng, count, perChannel, t) => {
  const { weights, rule, bits } = potWeights(rng, count, perChannel, t);
  return { weights, pot: { rule, bits } };
};
const makeCase = (t: GemmCase, seed: number) => makeGemmCase(t, seed, potLayerWeights, label(t));

function label(t: GemmCase): string {
  return `n${t.n} k${t.k} m${t.m} ${t.rule ?? "log"}${t.zx !== undefined ? ` zx${t.zx}` : ""}${t.zy !== undefined ? ` zy${t.zy}` : ""}` +
    `${t.scale ? ` ${t.scale}` : ""}${t.relu ? " relu" : ""}${t.xFill !== undefined ? ` x=${t.xFill}` : ""}${t.wFill !== undefined ? ` w=${t.wFill}` : ""}` +
    `${t.zeroChannels ? " zero-channels" : ""}${t.allExponents ? " all-exponents" : ""}`;
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

  cases().forEach((t, i) => {
    it(label(t), () => expectAllMatch([scalar, simd], makeCase(t, 500 + i), ["int8", "shift-add"]));
  });

  it("repeated runs never grow memory; bad inputs throw", () => {
    const c = makeCase({ n: 3, k: 64, m: 10 }, 1);
    for (const e of [scalar, simd]) expectRepeatable(e, c, makeCase({ n: 2, k: 576, m: 4 }, 2), "shift-add");
    expectRejections(simd, c, "shift-add");
    expect(() => new LayerRunner(simd, { ...c.node, pot: { ...c.node.pot!, bits: 4 } }, valuesOf(c.node, c.xq, c.yq), 1)).toThrow(/not a 4-bit PoT weight/);
  });
});
