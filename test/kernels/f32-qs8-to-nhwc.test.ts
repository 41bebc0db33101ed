// f32_qs8_to_nhwc (both builds) == quantizeInput (src/runtime/edges.ts, the executor's host
// quantize) byte for byte: ties of f32(x / scale) at every parity, signed zeros, subnormals, values
// far outside int8, zero points at both ends, pixel ranges with tails around the 4-wide SIMD step;
// pixels outside [p0, p1) untouched; a non-finite value reported in `status`.
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/engine.js";
import { quantizeInput } from "../../src/runtime/edges.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32 } from "../helpers/rng.js";

function images(n: number, c: number, hw: number, scale: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const special = [0, -0, 1e-45, -1e-45, 1e30, -1e30, 3.4e38];
  return new Float32Array(n * c * hw).map(() => {
    const u = r();
    if (u < 0.1) return special[Math.floor(r() * special.length)]!;
    if (u < 0.5) return Math.fround((Math.floor(r() * 400) - 200 + 0.5) * scale); // ties (exact where scale is a power of two)
    return (r() - 0.5) * 300 * scale;
  });
}

function run(e: Engine, x: Float32Array, n: number, c: number, hw: number, scale: number, zp: number, p0: number, p1: number): { out: Int8Array; status: Int32Array } {
  const input = e.alloc(4 * x.length), output = e.alloc(x.length), sc = e.alloc(8), status = e.alloc(8);
  e.write(input, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  e.write(sc, new Uint8Array(Float64Array.of(scale).buffer));
  e.write(status, new Uint8Array(8));
  e.i8View(output, x.length).fill(99);
  e.run("f32-qs8-to-nhwc", { input, output, scale: sc, status, n, c, hw, p0, p1, zp });
  return { out: e.i8View(output, x.length).slice(), status: new Int32Array(e.i8View(status, 8).slice().buffer) };
}

describe("f32_qs8_to_nhwc", () => {
  let engines: Engine[];
  beforeAll(async () => {
    engines = [await loadEngine({ simd: false }), await loadEngine({ simd: true })];
  });

  for (const scale of [0.5, 0.25, 0.0213, 1 / 3, 7.5e-3])
    it(`scale ${scale}: the bytes of quantizeInput for every zero point, shape and pixel range`, () => {
      for (const e of engines)
        for (const [n, c, hw] of [[1, 3, 37], [2, 3, 8], [1, 1, 5], [3, 2, 1], [1, 16, 9]] as const)
          for (const zp of [-128, -3, 0, 127]) {
            const x = images(n, c, hw, scale, 7 * hw + zp);
            const want = new Int8Array(x.length);
            quantizeInput(x, n, [c, 1, hw], { scale, zeroPoint: zp }, want);
            for (const [p0, p1] of [[0, hw], [0, Math.ceil(hw / 2)], [Math.floor(hw / 3), hw]]) {
              if (p1 <= p0) continue;
              const { out, status } = run(e, x, n, c, hw, scale, zp, p0, p1);
              const expected = want.map((v, i) => (Math.floor(i / c) % hw >= p0 && Math.floor(i / c) % hw < p1 ? v : 99));
              expect(Array.from(out), `${e.simd ? "SIMD" : "scalar"} n=${n} c=${c} hw=${hw} zp=${zp} [${p0}, ${p1})`).toEqual(Array.from(expected));
              expect(status[0]).toBe(0);
            }
          }
    });

  it("a non-finite value sets status (1, its bits), in a SIMD block and in the tail", () => {
    for (const e of engines)
      for (const bad of [NaN, Infinity, -Infinity])
        for (const at of [1, 9]) {
          const x = images(1, 1, 10, 0.5, 3);
          x[at] = bad;
          const { status } = run(e, x, 1, 1, 10, 0.5, 0, 0, 10);
          expect(status[0]).toBe(1);
          expect(new Float32Array(status.buffer)[1]).toBe(bad);
        }
  });
});
