// qs8_maxpool (QMaxPool): both builds against qs8MaxPool, byte for byte: channel counts around
// the SIMD tile (16), strides, asymmetric pads, dilation, windows entirely in the padding.
import { beforeAll, describe, expect, it } from "vitest";
import type { QMaxPool } from "../../src/ir/qgraph.js";
import { qs8MaxPool } from "../../src/runtime/reference/qs8-ops.js";
import { convOutputSize } from "../../src/engine/conv-geometry.js";
import type { Engine } from "../../src/engine/engine.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32, randInt } from "../helpers/rng.js";
import { runOp } from "./harness.js";

/** Channels per i8x16.max_s in qs8_maxpool__wasmsimd. */
const TILE = 16;

interface PoolCase {
  n: number; c: number; h: number; w: number; k?: [number, number]; stride?: [number, number];
  pads?: [number, number, number, number]; dilation?: [number, number];
}

function nodeOf(t: PoolCase): QMaxPool {
  const [kh, kw] = t.k ?? [3, 3];
  const [strideH, strideW] = t.stride ?? [2, 2];
  const [padTop, padLeft, padBottom, padRight] = t.pads ?? [1, 1, 1, 1];
  const [dilationH, dilationW] = t.dilation ?? [1, 1];
  return {
    op: "maxpool", name: "mp", inputs: ["x"], outputs: ["y"],
    geometry: {
      c: t.c, h: t.h, w: t.w, kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW,
      oh: convOutputSize(t.h, kh, strideH, padTop, padBottom, dilationH),
      ow: convOutputSize(t.w, kw, strideW, padLeft, padRight, dilationW),
    },
  };
}

function run(e: Engine, node: QMaxPool, x: Int8Array, n: number): Int8Array {
  const g = node.geometry;
  const yLen = n * g.oh * g.ow * g.c;
  return runOp(e, node, n, [x], yLen);
}

function cases(): PoolCase[] {
  const out: PoolCase[] = [{ n: 1, c: 64, h: 16, w: 16 }, { n: 2, c: 16, h: 9, w: 9, stride: [1, 1] }];
  for (let c = 1; c <= 2 * TILE + 1; c++) out.push({ n: 1, c, h: 5, w: 6 });
  out.push(
    { n: 3, c: 5, h: 7, w: 8, pads: [0, 2, 1, 0] },
    { n: 1, c: 20, h: 8, w: 9, dilation: [2, 2], stride: [1, 2] },
    { n: 1, c: 17, h: 3, w: 3, k: [5, 5], pads: [4, 4, 4, 4], stride: [1, 1] }, // corner windows all padding
    { n: 1, c: 3, h: 6, w: 5, k: [2, 4], pads: [0, 1, 1, 2], stride: [3, 1] },
    { n: 2, c: 32, h: 1, w: 1, k: [1, 1], pads: [0, 0, 0, 0], stride: [1, 1] },
  );
  return out;
}

describe("qs8_maxpool", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  cases().forEach((t, i) => {
    it(JSON.stringify(t), () => {
      const rng = mulberry32(40 + i);
      const node = nodeOf(t);
      expect(node.geometry.oh).toBeGreaterThan(0);
      const x = new Int8Array(t.n * t.h * t.w * t.c).map(() => randInt(rng, -128, 127));
      const want = qs8MaxPool(x, t.n, node);
      expect(run(scalar, node, x, t.n)).toEqual(want);
      expect(run(simd, node, x, t.n)).toEqual(want);
    });
  });
});
