// qs8_vadd_minmax (QAdd): both builds against qs8Add, byte for byte: lengths around the SIMD
// tile (16), in place, zero-point and multiplier extremes, shifts 1..31, clamps.
import { beforeAll, describe, expect, it } from "vitest";
import type { QAdd, QParams } from "../../src/ir/qgraph.js";
import { qs8Add } from "../../src/runtime/reference/qs8-ops.js";
import type { Engine } from "../../src/engine/engine.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32, randInt } from "../helpers/rng.js";
import { bindCall } from "../../src/runtime/bind.js";
import { planOp, runOp } from "./harness.js";

/** Elements per step of qs8_vadd_minmax__wasmsimd. */
const TILE = 16;
const MAX_MULT = 2 ** 22 - 1;

interface AddCase {
  size: number; n: number; za?: number; zb?: number; zy?: number;
  aMult?: number; bMult?: number; shift?: number; qmin?: number; qmax?: number; inPlace?: "a" | "b";
}

function makeCase(t: AddCase, seed: number) {
  const rng = mulberry32(seed);
  const shift = t.shift ?? randInt(rng, 12, 22);
  const node: QAdd = {
    op: "add", name: "add", inputs: ["a", "b"], outputs: ["y"], size: t.size,
    aMult: t.aMult ?? randInt(rng, 1, 2 ** (shift - 1)), bMult: t.bMult ?? randInt(rng, 1, 2 ** (shift - 1)), shift,
    qmin: t.qmin ?? -128, qmax: t.qmax ?? 127,
  };
  const q = (z: number | undefined): QParams => ({ scale: 0.1, zeroPoint: z ?? randInt(rng, -30, 30) });
  const a = new Int8Array(t.n * t.size).map(() => randInt(rng, -128, 127));
  const b = new Int8Array(t.n * t.size).map(() => randInt(rng, -128, 127));
  return { node, a, b, aq: q(t.za), bq: q(t.zb), yq: q(t.zy), n: t.n, inPlace: t.inPlace };
}

function run(e: Engine, c: ReturnType<typeof makeCase>): Int8Array {
  return runOp(e, c.node, c.n, [c.a, c.b], c.a.length, { qs: { a: c.aq, b: c.bq, y: c.yq }, inPlace: c.inPlace === "a" ? 0 : c.inPlace === "b" ? 1 : undefined });
}

function cases(): AddCase[] {
  const out: AddCase[] = [{ size: 16 * 32 * 32, n: 1 }, { size: 64 * 8 * 8, n: 3, qmin: 0 }];
  for (let size = 1; size <= 2 * TILE + 1; size++) out.push({ size, n: 1 });
  for (let size = TILE - 1; size <= TILE + 1; size++) out.push({ size, n: 3 });
  for (const inPlace of ["a", "b"] as const) out.push({ size: 37, n: 2, inPlace });
  for (const z of [-128, 0, 127]) out.push({ size: 45, n: 1, za: z, zb: z === -128 ? 127 : -128, zy: z });
  for (const shift of [1, 2, 16, 30, 31]) out.push({ size: 40, n: 1, shift, aMult: randSign(shift) * MAX_MULT, bMult: MAX_MULT });
  out.push({ size: 40, n: 1, shift: 20, aMult: -MAX_MULT, bMult: -MAX_MULT, za: 127, zb: 127 });
  out.push({ size: 40, n: 1, shift: 20, aMult: MAX_MULT, bMult: MAX_MULT, za: -128, zb: -128 });
  out.push({ size: 40, n: 1, shift: 20, aMult: 0, bMult: -5 });
  out.push({ size: 40, n: 1, qmin: -3, qmax: 9 }, { size: 40, n: 1, qmin: 5, qmax: 5 }, { size: 40, n: 1, zy: 17, qmin: 17 });
  return out;
}
function randSign(shift: number): number {
  return shift % 2 === 0 ? 1 : -1;
}

describe("qs8_vadd_minmax", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  cases().forEach((t, i) => {
    it(JSON.stringify(t), () => {
      const c = makeCase(t, 50 + i);
      const want = qs8Add(c.a, c.b, c.node, c.aq, c.bq, c.yq);
      expect(run(scalar, c)).toEqual(want);
      expect(run(simd, c)).toEqual(want);
    });
  });

  it("validates multipliers, shift and overlap", () => {
    const c = makeCase({ size: 20, n: 1 }, 3);
    const qs = { a: c.aq, b: c.bq, y: c.yq };
    expect(() => runOp(simd, { ...c.node, aMult: 2 ** 22 }, 1, [c.a, c.b], 20, { qs })).toThrow(/aMult/);
    expect(() => runOp(simd, { ...c.node, shift: 32 }, 1, [c.a, c.b], 20, { qs })).toThrow(/shift/);
    const step = planOp(c.node, qs)!;
    const a = simd.alloc(20), b = simd.alloc(20);
    const call = bindCall(step, [a, b], a + 4, 0, 0, 1);
    expect(() => simd.run(call.kernel, call.params)).toThrow(/overlaps/);
  });
});
