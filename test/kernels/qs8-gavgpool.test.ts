// qs8_gavgpool (QGlobalAvgPool): both builds against qs8GlobalAvgPool, byte for byte: channel
// counts around the SIMD tile (16), map sizes, batches, zero-point and scale extremes.
import { beforeAll, describe, expect, it } from "vitest";
import type { QGlobalAvgPool, QParams } from "../../src/ir/qgraph.js";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import { qs8GlobalAvgPool } from "../../src/runtime/reference/qs8-ops.js";
import type { Engine } from "../../src/engine/engine.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32, randInt } from "../helpers/rng.js";
import { runOp } from "./harness.js";

/** Channels per step of qs8_gavgpool__wasmsimd. */
const TILE = 16;

interface PoolCase { n: number; h: number; w: number; c: number; zx?: number; zy?: number; real?: number; fill?: number }

function makeCase(t: PoolCase, seed: number) {
  const rng = mulberry32(seed);
  const node: QGlobalAvgPool = {
    op: "gavgpool", name: "gap", inputs: ["x"], outputs: ["y"], h: t.h, w: t.w, c: t.c,
    requant: quantizeMultiplier(t.real ?? (1 / (t.h * t.w)) * (0.5 + rng())),
  };
  const xq: QParams = { scale: 0.1, zeroPoint: t.zx ?? randInt(rng, -20, 20) };
  const yq: QParams = { scale: 0.1, zeroPoint: t.zy ?? randInt(rng, -20, 20) };
  const x = new Int8Array(t.n * t.h * t.w * t.c).map(() => t.fill ?? randInt(rng, -128, 127));
  return { node, x, xq, yq, n: t.n };
}

function run(e: Engine, c: ReturnType<typeof makeCase>): Int8Array {
  return runOp(e, c.node, c.n, [c.x], c.n * c.node.c, { qs: { x: c.xq, y: c.yq } });
}

function cases(): PoolCase[] {
  const out: PoolCase[] = [{ n: 1, h: 8, w: 8, c: 64 }, { n: 32, h: 8, w: 8, c: 64 }];
  for (let c = 1; c <= 2 * TILE + 1; c++) out.push({ n: 2, h: 3, w: 2, c });
  out.push({ n: 3, h: 1, w: 1, c: 20 }, { n: 1, h: 17, w: 13, c: 48 });
  for (const zx of [-128, 0, 127]) for (const zy of [-128, 127]) out.push({ n: 2, h: 4, w: 4, c: 24, zx, zy });
  for (const fill of [-128, 127]) for (const zx of [-128, 127]) out.push({ n: 1, h: 32, w: 32, c: 17, fill, zx, real: 1 / 1024 });
  out.push({ n: 1, h: 5, w: 5, c: 19, real: 2 ** -20 }, { n: 1, h: 5, w: 5, c: 19, real: 3.7 }, { n: 1, h: 5, w: 5, c: 19, real: 0.999 });
  return out;
}

describe("qs8_gavgpool", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  cases().forEach((t, i) => {
    it(JSON.stringify(t), () => {
      const c = makeCase(t, 900 + i);
      const want = qs8GlobalAvgPool(c.x, c.n, c.node, c.xq, c.yq);
      expect(run(scalar, c)).toEqual(want);
      expect(run(simd, c)).toEqual(want);
    });
  });
});
