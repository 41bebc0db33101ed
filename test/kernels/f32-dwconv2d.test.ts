// f32_dwconv2d (depthwise float conv, group == c == m): scalar == SIMD == the general f32_conv2d
// path (im2col, K = kh * kw) bit for bit, and == an f32-exact model of that path's summation order
// (b or +0, then + w * x tap by tap, a padded tap adding w * +0), on random shapes with tails,
// padding, strides 1-3, dilation, signed zeros and infinities.
import { beforeAll, describe, expect, it } from "vitest";
import { convOutputSize } from "../../src/engine/conv-geometry.js";
import type { Conv2dF32Shape, Engine } from "../../src/engine/engine.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32, randInt } from "../helpers/rng.js";

interface DwCase { n: number; c: number; h: number; w: number; k: [number, number]; stride: [number, number]; pads: [number, number, number, number]; dilation: [number, number]; bias: boolean }

function shapeOf(t: DwCase): Conv2dF32Shape {
  const [kh, kw] = t.k, [strideH, strideW] = t.stride, [padTop, padLeft, padBottom, padRight] = t.pads, [dilationH, dilationW] = t.dilation;
  return {
    n: t.n, c: t.c, h: t.h, w: t.w, m: t.c, kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, group: t.c,
    oh: convOutputSize(t.h, kh, strideH, padTop, padBottom, dilationH), ow: convOutputSize(t.w, kw, strideW, padLeft, padRight, dilationW),
  };
}

/** Values in [-1, 1) with some exact +-0 (and +-Inf when `inf`): the signed-zero and padded-tap cases. */
function values(rng: () => number, n: number, inf = false): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng();
    a[i] = u < 0.08 ? 0 : u < 0.16 ? -0 : inf && u < 0.17 ? (rng() < 0.5 ? Infinity : -Infinity) : rng() * 2 - 1;
  }
  return a;
}

/** f32_conv2d's order for group == c == m in exact float32 arithmetic (Math.fround per mul and add). */
function modelConv(x: Float32Array, w: Float32Array, b: Float32Array | null, s: Conv2dF32Shape): Float32Array {
  const y = new Float32Array(s.n * s.c * s.oh * s.ow);
  let o = 0;
  for (let n = 0; n < s.n; n++)
    for (let c = 0; c < s.c; c++)
      for (let oy = 0; oy < s.oh; oy++)
        for (let ox = 0; ox < s.ow; ox++) {
          let acc = b ? b[c]! : 0;
          for (let ky = 0; ky < s.kh; ky++)
            for (let kx = 0; kx < s.kw; kx++) {
              const iy = oy * s.strideH - s.padTop + ky * s.dilationH, ix = ox * s.strideW - s.padLeft + kx * s.dilationW;
              const xv = iy >= 0 && iy < s.h && ix >= 0 && ix < s.w ? x[((n * s.c + c) * s.h + iy) * s.w + ix]! : 0;
              acc = Math.fround(acc + Math.fround(w[(c * s.kh + ky) * s.kw + kx]! * xv));
            }
          y[o++] = acc;
        }
  return y;
}

/** The general f32_conv2d kernel on the same inputs (what conv2dF32 ran for depthwise before f32_dwconv2d). */
function generalConv(e: Engine, x: Float32Array, w: Float32Array, b: Float32Array | null, s: Conv2dF32Shape): Float32Array {
  const kdim = s.kh * s.kw, tileP = 8 * Math.ceil((s.oh * s.ow) / 8), outLength = s.n * s.c * s.oh * s.ow;
  const sizes = [x.length, w.length, b ? b.length : 0, outLength, kdim * tileP].map((n) => Math.ceil((4 * n + 16) / 16) * 16);
  const base = e.workRegion(sizes.reduce((a, v) => a + v, 0));
  const [input, weight, bias, output, scratch] = sizes.map((_, i) => base + sizes.slice(0, i).reduce((a, v) => a + v, 0)) as [number, number, number, number, number];
  const f = e.f32();
  f.set(x, input >> 2);
  f.set(w, weight >> 2);
  if (b) f.set(b, bias >> 2);
  e.run("f32-conv2d", {
    input, weight, bias: b ? bias : 0, output, scratch, n: s.n, c: s.c, h: s.h, w: s.w, m: s.c, kh: s.kh, kw: s.kw, strideH: s.strideH, strideW: s.strideW,
    padTop: s.padTop, padLeft: s.padLeft, dilationH: s.dilationH, dilationW: s.dilationW, group: s.c, oh: s.oh, ow: s.ow, tileP,
  });
  return e.f32().slice(output >> 2, (output >> 2) + outLength);
}

/** Bit-equal, except that any two NaNs count as equal (NaN payloads are not part of the contract). */
function firstDiff(a: Float32Array, b: Float32Array): string | null {
  if (a.length !== b.length) return `lengths ${a.length} / ${b.length}`;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return `[${i}]: ${a[i]} (0x${ua[i]!.toString(16)}) vs ${b[i]} (0x${ub[i]!.toString(16)})`;
  return null;
}

const NAMED: DwCase[] = [
  { n: 2, c: 5, h: 32, w: 32, k: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], bias: true }, // mbv2tiny block
  { n: 2, c: 3, h: 32, w: 32, k: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], dilation: [1, 1], bias: true },
  { n: 1, c: 4, h: 8, w: 8, k: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], bias: false },
  { n: 1, c: 4, h: 4, w: 4, k: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], dilation: [1, 1], bias: true },
  { n: 1, c: 3, h: 9, w: 11, k: [3, 3], stride: [1, 2], pads: [0, 2, 1, 0], dilation: [2, 1], bias: true },
  { n: 1, c: 2, h: 10, w: 13, k: [5, 5], stride: [1, 1], pads: [2, 2, 2, 2], dilation: [2, 2], bias: true },
  { n: 1, c: 2, h: 3, w: 4, k: [5, 5], stride: [1, 1], pads: [3, 3, 3, 3], dilation: [1, 1], bias: true }, // rows / columns only padding
  { n: 1, c: 3, h: 17, w: 19, k: [3, 3], stride: [3, 3], pads: [1, 1, 1, 1], dilation: [1, 1], bias: false },
  { n: 1, c: 1, h: 1, w: 1, k: [1, 1], stride: [1, 1], pads: [0, 0, 0, 0], dilation: [1, 1], bias: true },
  { n: 3, c: 2, h: 6, w: 7, k: [2, 4], stride: [2, 1], pads: [0, 1, 1, 2], dilation: [1, 1], bias: false },
];

function tails(): DwCase[] {
  const out: DwCase[] = [];
  for (let w = 1; w <= 13; w++)
    for (const s of [1, 2, 3]) out.push({ n: 1, c: 2, h: 5, w, k: [3, 3], stride: [s, s], pads: [1, 1, 1, 1], dilation: [1, 1], bias: w % 2 === 0 });
  return out;
}

function randomCases(seed: number, count: number): DwCase[] {
  const rng = mulberry32(seed);
  const out: DwCase[] = [];
  while (out.length < count) {
    const t: DwCase = {
      n: randInt(rng, 1, 3), c: randInt(rng, 1, 9), h: randInt(rng, 1, 20), w: randInt(rng, 1, 20), k: [randInt(rng, 1, 5), randInt(rng, 1, 5)],
      stride: [randInt(rng, 1, 3), randInt(rng, 1, 3)], pads: [randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3)],
      dilation: [randInt(rng, 1, 2), randInt(rng, 1, 2)], bias: rng() < 0.7,
    };
    if (rng() < 0.3) t.k = [3, 3];
    const s = shapeOf(t);
    if (s.oh >= 1 && s.ow >= 1) out.push(t);
  }
  return out;
}

const label = (t: DwCase) =>
  `n${t.n} c${t.c} ${t.h}x${t.w} k${t.k.join("x")} s${t.stride.join(",")} p${t.pads.join(",")} d${t.dilation.join(",")}${t.bias ? "" : " nobias"}`;

describe("f32_dwconv2d", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  const suites: [string, DwCase[]][] = [["named", NAMED], ["tails", tails()], ["random", randomCases(0xd3c0, 80)]];
  for (const [suite, cases] of suites) {
    describe(suite, () => {
      cases.forEach((t, i) => {
        it(label(t), () => {
          const s = shapeOf(t);
          const rng = mulberry32(500 + i);
          const x = values(rng, s.n * s.c * s.h * s.w);
          const w = values(rng, s.c * s.kh * s.kw, i % 5 === 0); // infinities: a padded tap gives NaN, as in im2col
          const b = t.bias ? values(rng, s.c) : null;
          const model = modelConv(x, w, b, s);
          const ySimd = simd.conv2dF32(x, w, b, s), yScalar = scalar.conv2dF32(x, w, b, s);
          expect(firstDiff(ySimd, model)).toBeNull();
          expect(firstDiff(yScalar, model)).toBeNull();
          expect(firstDiff(generalConv(simd, x, w, b, s), model)).toBeNull();
          expect(firstDiff(generalConv(scalar, x, w, b, s), model)).toBeNull();
        });
      });
    });
  }

  it("-0 bias and padded taps keep the sign the general path gives", () => {
    // x = -0, w > 0, bias -0: every in-bounds product is -0 and a padded tap adds w * +0 = +0, so
    // the border outputs are +0 and the interior ones -0 (skipping padded taps would give -0 everywhere)
    const s = shapeOf({ n: 1, c: 2, h: 4, w: 5, k: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], bias: true });
    const x = new Float32Array(s.c * s.h * s.w).fill(-0);
    const w = Float32Array.from({ length: s.c * 9 }, (_, i) => 0.25 + i);
    const b = Float32Array.of(-0, -0);
    const y = simd.conv2dF32(x, w, b, s);
    expect(firstDiff(y, generalConv(simd, x, w, b, s))).toBeNull();
    expect(firstDiff(scalar.conv2dF32(x, w, b, s), y)).toBeNull();
    const signs = Array.from(y, (v) => (Object.is(v, -0) ? "-" : Object.is(v, 0) ? "+" : "?")).join("");
    expect(signs).toBe(("+++++" + "+---+" + "+---+" + "+++++").repeat(2));
  });
});
