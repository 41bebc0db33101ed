// f32_rminmax through Engine.rangeF32 (both builds) == the JS scan MinMaxObserver defaults to:
// the same min / max bits (zero extremes with the sign of the first zero), the same finiteness,
// on lengths around the 8-wide SIMD step, with +-0, +-Inf and NaN at every position class.
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/engine.js";
import { scanLoop } from "../../src/quant/range-scan.js";
import { MinMaxObserver } from "../../src/quant/observers.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32 } from "../helpers/rng.js";

const same = (a: number, b: number) => Object.is(a, b);

function check(e: Engine, x: Float32Array): void {
  const want = scanLoop(x), got = e.rangeF32(x);
  expect(got.finite).toBe(want.finite);
  if (!want.finite) return; // the observer throws; the extremes are not used
  expect(same(got.min, want.min) && same(got.max, want.max), `[${got.min}, ${got.max}] vs [${want.min}, ${want.max}]`).toBe(true);
}

describe("f32_rminmax", () => {
  let engines: Engine[];
  beforeAll(async () => {
    engines = [await loadEngine({ simd: false }), await loadEngine({ simd: true })];
  });

  it("random data, every length 0..40 and long arrays", () => {
    const rng = mulberry32(11);
    for (const e of engines)
      for (const n of [...Array.from({ length: 41 }, (_, i) => i), 1000, 4099]) {
        check(e, Float32Array.from({ length: n }, () => rng() * 8 - 4));
        check(e, Float32Array.from({ length: n }, () => Math.max(0, rng() * 8 - 4))); // post-ReLU: min 0
      }
  });

  it("signed zeros as the extreme: the first zero's sign, wherever it is", () => {
    for (const e of engines)
      for (const n of [1, 3, 8, 9, 17, 33])
        for (let first = 0; first < n; first++)
          for (const z of [0, -0]) {
            const pos = Float32Array.from({ length: n }, (_, i) => (i < first ? 1 + i : i === first ? z : i % 2 ? -z : z));
            check(e, pos); // min is a zero
            check(e, pos.map((v) => -v)); // max is a zero
          }
  });

  it("NaN never wins and makes the chunk non-finite; so do infinities", () => {
    for (const e of engines)
      for (const n of [1, 7, 8, 16, 21])
        for (let at = 0; at < n; at++)
          for (const bad of [NaN, Infinity, -Infinity]) {
            const x = Float32Array.from({ length: n }, (_, i) => i - 3);
            x[at] = bad;
            expect(e.rangeF32(x).finite).toBe(false);
            check(e, x);
          }
  });

  it("drives MinMaxObserver to the same ranges and errors as its JS loop", () => {
    const rng = mulberry32(5);
    const chunks = [0, 1, 2, 3].map((k) => Float32Array.from({ length: 100 + k * 37 }, () => (rng() < 0.2 ? (rng() < 0.5 ? 0 : -0) : Math.max(0, rng() - 0.3 * k))));
    for (const e of engines) {
      const js = new MinMaxObserver("t"), wasm = new MinMaxObserver("t", (x) => e.rangeF32(x));
      for (const c of chunks) {
        js.observe(c);
        wasm.observe(c);
        expect(same(js.min, wasm.min) && same(js.max, wasm.max) && js.count === wasm.count).toBe(true);
      }
      const bad = Float32Array.of(1, 2, NaN);
      const msg = `t: non-finite value NaN at element ${js.count + 2}`;
      expect(() => js.observe(bad)).toThrow(msg);
      expect(() => wasm.observe(bad)).toThrow(msg);
      expect(wasm.count).toBe(js.count); // a rejected chunk changes nothing
    }
  });
});
