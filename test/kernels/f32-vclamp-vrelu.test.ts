// f32_vclamp / f32_vrelu through Engine.clampF32 / reluF32 (both builds) == the Clip / Relu ops
// (src/ops/clip.ts, relu.ts) bit for bit:
// every bit-pattern class (signed zeros, infinities, NaNs with payloads, signalling NaNs), every
// kind of bounds, lengths around the 8-wide SIMD step, in place and into a given buffer.
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/engine.js";
import { f32 } from "../../src/ir/tensor.js";
import { Clip } from "../../src/ops/clip.js";
import { Relu } from "../../src/ops/relu.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32 } from "../helpers/rng.js";

function values(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(n), xi = new Int32Array(x.buffer);
  const special = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 6, -6, 0.5, -0.5];
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < 0.15) x[i] = special[Math.floor(r() * special.length)]!;
    else if (u < 0.2) xi[i] = (r() * 2 ** 32) | 0; // any bit pattern, signalling NaNs among them
    else x[i] = (r() * 2 - 1) * 8;
  }
  return x;
}

const bits = (a: Float32Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));
const clipOp = (x: Float32Array, lo: number, hi: number) => Clip.run([f32([x.length], x)], { min: lo, max: hi })[0]!.data as Float32Array;

describe("f32_vclamp", () => {
  let engines: Engine[];
  beforeAll(async () => {
    engines = [await loadEngine({ simd: false }), await loadEngine({ simd: true })];
  });

  const bounds: [number, number][] = [[0, 6], [-0, 6], [0, -0], [-0, -0], [-1, 1], [-Infinity, Infinity], [-Infinity, 2], [1, Infinity], [2, 2], [NaN, 1], [3, -3], [0.1, 0.7]];
  for (const [lo, hi] of bounds) {
    it(`[${Object.is(lo, -0) ? "-0" : lo}, ${Object.is(hi, -0) ? "-0" : hi}] equals the Clip op`, () => {
      for (const e of engines)
        for (const n of [1, 7, 8, 9, 16, 23, 1000]) {
          const x = values(n, n + 17);
          const want = bits(clipOp(x, lo, hi));
          expect(bits(e.clampF32(x, lo, hi))).toEqual(want);
          const out = new Float32Array(n).fill(5);
          expect(e.clampF32(x, lo, hi, out)).toBe(out);
          expect(bits(out)).toEqual(want);
          const inPlace = x.slice();
          e.clampF32(inPlace, lo, hi, inPlace);
          expect(bits(inPlace)).toEqual(want);
        }
    });
  }

  it("rejects an output of another length; empty input is fine", () => {
    expect(() => engines[1]!.clampF32(new Float32Array(4), 0, 1, new Float32Array(3))).toThrow(/out has 3 elements, expected 4/);
    expect(engines[1]!.clampF32(new Float32Array(0), 0, 1).length).toBe(0);
  });
});

describe("f32_vrelu", () => {
  it("equals the Relu op for every bit-pattern class, in place and into `out`", async () => {
    for (const e of [await loadEngine({ simd: false }), await loadEngine({ simd: true })])
      for (const n of [1, 7, 8, 9, 16, 23, 1000]) {
        const x = values(n, n + 99);
        const want = bits(Relu.run([f32([n], x)], {})[0]!.data as Float32Array);
        expect(bits(e.reluF32(x))).toEqual(want);
        const inPlace = x.slice();
        expect(e.reluF32(inPlace, inPlace)).toBe(inPlace);
        expect(bits(inPlace)).toEqual(want);
      }
  });
});
