// f32_conv2d: both wasm builds against a plain-loop ONNX Conv oracle, and against each other.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeBase64, loadEngine } from "../../src/runtime/wasm-loader.js";
import { convOutputSize } from "../../src/engine/conv-geometry.js";
import type { Conv2dF32Shape, Engine } from "../../src/engine/engine.js";
import { mulberry32, randInt, randomF32 } from "../helpers/rng.js";

/** Oracle tolerance relative to sum |w*x| per output: f32 sums in another order than the f64 oracle. */
const F32_CONV_REL_TOLERANCE = 1e-5;
/** Kernel tile constants (assembly/abi.ts, kernels/f32-conv2d/wasmsimd.ts): panel width NR, row block MR, vector lanes. */
const NR = 8;
const MR = 4;
const LANES = 4;

interface ConvCase {
  n?: number; c: number; h: number; w: number; m: number;
  kh?: number; kw?: number; stride?: [number, number];
  pads?: [number, number, number, number]; // top, left, bottom, right
  dilation?: [number, number]; group?: number; bias?: boolean;
}

function shapeOf(t: ConvCase): Conv2dF32Shape {
  const kh = t.kh ?? 3, kw = t.kw ?? 3;
  const [strideH, strideW] = t.stride ?? [1, 1];
  const [padTop, padLeft, padBottom, padRight] = t.pads ?? [1, 1, 1, 1];
  const [dilationH, dilationW] = t.dilation ?? [1, 1];
  return {
    n: t.n ?? 1, c: t.c, h: t.h, w: t.w, m: t.m, kh, kw, strideH, strideW,
    padTop, padLeft, padBottom, padRight, dilationH, dilationW, group: t.group ?? 1,
    oh: convOutputSize(t.h, kh, strideH, padTop, padBottom, dilationH),
    ow: convOutputSize(t.w, kw, strideW, padLeft, padRight, dilationW),
  };
}

/** ONNX Conv, plain loops, f64 accumulation. Returns values and sum |w*x| per output (error scale). */
function referenceConv(x: Float32Array, w: Float32Array, bias: Float32Array | null, s: Conv2dF32Shape) {
  const cg = s.c / s.group, mg = s.m / s.group;
  const y = new Float64Array(s.n * s.m * s.oh * s.ow);
  const mag = new Float64Array(y.length);
  for (let n = 0; n < s.n; n++)
    for (let m = 0; m < s.m; m++) {
      const g = Math.floor(m / mg);
      for (let oy = 0; oy < s.oh; oy++)
        for (let ox = 0; ox < s.ow; ox++) {
          let acc = bias ? bias[m]! : 0;
          let abs = Math.abs(acc);
          for (let ci = 0; ci < cg; ci++)
            for (let ky = 0; ky < s.kh; ky++)
              for (let kx = 0; kx < s.kw; kx++) {
                const iy = oy * s.strideH - s.padTop + ky * s.dilationH;
                const ix = ox * s.strideW - s.padLeft + kx * s.dilationW;
                if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
                const xv = x[((n * s.c + g * cg + ci) * s.h + iy) * s.w + ix]!;
                const wv = w[((m * cg + ci) * s.kh + ky) * s.kw + kx]!;
                acc += xv * wv;
                abs += Math.abs(xv * wv);
              }
          const o = ((n * s.m + m) * s.oh + oy) * s.ow + ox;
          y[o] = acc;
          mag[o] = abs;
        }
    }
  return { y, mag };
}

function inputsFor(t: ConvCase, seed: number) {
  const s = shapeOf(t);
  const rng = mulberry32(seed);
  const x = randomF32(rng, s.n * s.c * s.h * s.w);
  const w = randomF32(rng, s.m * (s.c / s.group) * s.kh * s.kw);
  const bias = t.bias === false ? null : randomF32(rng, s.m);
  return { s, x, w, bias };
}

function label(t: ConvCase): string {
  const s = shapeOf(t);
  return `n${s.n} c${s.c} ${s.h}x${s.w} -> m${s.m} k${s.kh}x${s.kw} s${s.strideH},${s.strideW} ` +
    `p${s.padTop},${s.padLeft},${s.padBottom},${s.padRight} d${s.dilationH},${s.dilationW} g${s.group}` +
    (t.bias === false ? " nobias" : "");
}

function firstMismatch(actual: Float32Array, y: Float64Array, mag: Float64Array): string | null {
  for (let i = 0; i < y.length; i++) {
    const tol = F32_CONV_REL_TOLERANCE * (mag[i]! + 1e-3);
    if (!(Math.abs(actual[i]! - y[i]!) <= tol)) return `output[${i}] = ${actual[i]}, oracle ${y[i]} (tol ${tol})`;
  }
  return null;
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.length === ub.length && ua.every((v, i) => v === ub[i]);
}

const NAMED_CASES: ConvCase[] = [
  { c: 3, h: 32, w: 32, m: 16 }, // ResNet-20 conv1
  { c: 16, h: 32, w: 32, m: 16 },
  { c: 16, h: 32, w: 32, m: 32, stride: [2, 2], pads: [1, 1, 1, 1] },
  { c: 16, h: 32, w: 32, m: 32, kh: 1, kw: 1, stride: [2, 2], pads: [0, 0, 0, 0] }, // 1x1 shortcut
  { c: 64, h: 8, w: 8, m: 64 }, // K = 576: several packed tiles per image
  { c: 64, h: 9, w: 7, m: 10 }, // several tiles + panel tails
  { n: 3, c: 5, h: 6, w: 7, m: 6 }, // batch
  { c: 5, h: 9, w: 11, m: 7, pads: [0, 2, 1, 0] }, // asymmetric pads
  { c: 4, h: 10, w: 13, m: 5, dilation: [2, 2] },
  { c: 3, h: 11, w: 12, m: 5, dilation: [2, 3], stride: [2, 1], pads: [2, 0, 1, 3] },
  { c: 6, h: 8, w: 9, m: 4, group: 2 },
  { n: 2, c: 8, h: 7, w: 10, m: 8, group: 8 }, // depthwise
  { c: 6, h: 9, w: 9, m: 12, group: 6 }, // depthwise, multiplier 2
  { c: 7, h: 5, w: 6, m: 9, kh: 1, kw: 1, pads: [0, 0, 0, 0] }, // 1x1
  { c: 3, h: 17, w: 19, m: 5, stride: [3, 3], bias: false },
  { c: 2, h: 3, w: 4, m: 3, kh: 5, kw: 5, pads: [3, 3, 3, 3] }, // rows and columns entirely in padding
  { c: 2, h: 1, w: 1, m: 1, kh: 1, kw: 1, pads: [0, 0, 0, 0] },
  { c: 3, h: 6, w: 5, m: 4, kh: 2, kw: 4, pads: [0, 1, 1, 2], bias: false },
];

/** Tails from the tile constants: widths / channels 1 .. 2*tile+1 around NR, MR and the vector width. */
function tailCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (let w = 1; w <= 2 * NR + 1; w++) cases.push({ c: 3, h: 3, w, m: MR + 1 });
  for (let w = 2 * LANES; w <= 4 * LANES + 1; w++) cases.push({ c: 2, h: 4, w, m: 3, stride: [1, 2] });
  for (let m = 1; m <= 2 * MR + 1; m++) cases.push({ c: 2, h: 5, w: 6, m });
  for (let c = 1; c <= 2 * LANES + 1; c++) cases.push({ c, h: 4, w: 8, m: 4, kh: 1, kw: 1, pads: [0, 0, 0, 0] });
  return cases;
}

function randomCases(seed: number, count: number): ConvCase[] {
  const rng = mulberry32(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const group = rng() < 0.3 ? randInt(rng, 1, 4) : 1;
    const kh = randInt(rng, 1, 5), kw = randInt(rng, 1, 5);
    const t: ConvCase = {
      n: randInt(rng, 1, 3), c: group * randInt(rng, 1, 9), h: randInt(rng, 1, 20), w: randInt(rng, 1, 20),
      m: group * randInt(rng, 1, 9), kh, kw, group,
      stride: [randInt(rng, 1, 3), randInt(rng, 1, 3)],
      pads: [randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3)],
      dilation: [randInt(rng, 1, 2), randInt(rng, 1, 2)], bias: rng() < 0.8,
    };
    const s = shapeOf(t);
    if (s.oh >= 1 && s.ow >= 1) cases.push(t);
  }
  return cases;
}

describe("f32_conv2d", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  it("loads both builds; SIMD is the default on Node", async () => {
    expect(scalar.simd).toBe(false);
    expect(simd.simd).toBe(true);
    expect((await loadEngine()).simd).toBe(true);
  });

  const all: [string, ConvCase[]][] = [
    ["named", NAMED_CASES],
    ["tails", tailCases()],
    ["random", randomCases(0x5eed, 60)],
  ];
  for (const [suite, cases] of all) {
    describe(suite, () => {
      cases.forEach((t, i) => {
        it(label(t), () => {
          const { s, x, w, bias } = inputsFor(t, 1000 + i);
          const { y, mag } = referenceConv(x, w, bias, s);
          const yScalar = scalar.conv2dF32(x, w, bias, s);
          const ySimd = simd.conv2dF32(x, w, bias, s);
          expect(firstMismatch(yScalar, y, mag)).toBeNull();
          expect(firstMismatch(ySimd, y, mag)).toBeNull();
          expect(bitsEqual(yScalar, ySimd)).toBe(true);
        });
      });
    });
  }

  // 1x1 stride-1 unpadded convs read whole panels from x (no im2col): the same summation order,
  // checked bit for bit against f32 arithmetic in that order (b or +0, then + w * x, ascending k)
  const direct: ConvCase[] = [
    { c: 8, h: 5, w: 7, m: 9, kh: 1, kw: 1, pads: [0, 0, 0, 0] }, // 35 pixels: 4 panels + a tail of 3
    { n: 2, c: 6, h: 4, w: 4, m: 10, kh: 1, kw: 1, pads: [0, 0, 0, 0], group: 2, bias: false },
    { c: 128, h: 32, w: 32, m: 16, kh: 1, kw: 1, pads: [0, 0, 0, 0] }, // several tiles
    { c: 5, h: 1, w: 3, m: 2, kh: 1, kw: 1, pads: [0, 0, 0, 0] }, // tail only
  ];
  direct.forEach((t, i) => {
    it(`1x1 from x, bit-exact to the f32 summation order: ${label(t)}`, () => {
      const { s, x, w, bias } = inputsFor(t, 3000 + i);
      const cg = s.c / s.group, mg = s.m / s.group, px = s.h * s.w;
      const want = new Float32Array(s.n * s.m * px);
      for (let n = 0; n < s.n; n++)
        for (let m = 0; m < s.m; m++)
          for (let q = 0; q < px; q++) {
            let acc = bias ? bias[m]! : 0;
            for (let k = 0; k < cg; k++) acc = Math.fround(acc + Math.fround(w[m * cg + k]! * x[(n * s.c + Math.floor(m / mg) * cg + k) * px + q]!));
            want[(n * s.m + m) * px + q] = acc;
          }
      expect(bitsEqual(simd.conv2dF32(x, w, bias, s), want)).toBe(true);
      expect(bitsEqual(scalar.conv2dF32(x, w, bias, s), want)).toBe(true);
    });
  });

  it("writes into `out` and reuses wasm memory across calls", () => {
    const big = inputsFor({ n: 2, c: 16, h: 32, w: 32, m: 16 }, 7);
    simd.conv2dF32(big.x, big.w, big.bias, big.s);
    const reserved = simd.memoryBytes;
    const small = inputsFor({ c: 4, h: 6, w: 6, m: 3 }, 8);
    const out = new Float32Array(3 * 36);
    for (let i = 0; i < 3; i++) {
      expect(simd.conv2dF32(small.x, small.w, small.bias, small.s, out)).toBe(out);
      simd.conv2dF32(big.x, big.w, big.bias, big.s);
    }
    expect(simd.memoryBytes).toBe(reserved);
    const { y, mag } = referenceConv(small.x, small.w, small.bias, small.s);
    expect(firstMismatch(out, y, mag)).toBeNull();
  });

  it("rejects inconsistent shapes and lengths", () => {
    const { s, x, w, bias } = inputsFor({ c: 4, h: 6, w: 6, m: 4 }, 9);
    expect(() => simd.conv2dF32(x.subarray(1), w, bias, s)).toThrow(/x has/);
    expect(() => simd.conv2dF32(x, w.subarray(1), bias, s)).toThrow(/w has/);
    expect(() => simd.conv2dF32(x, w, bias!.subarray(1), s)).toThrow(/bias has/);
    expect(() => simd.conv2dF32(x, w, bias, s, new Float32Array(3))).toThrow(/out has/);
    expect(() => simd.conv2dF32(x, w, bias, { ...s, oh: s.oh + 1 })).toThrow(/output size/);
    expect(() => simd.conv2dF32(x, w, bias, { ...s, group: 3 })).toThrow(/group/);
    expect(() => simd.conv2dF32(x, w, bias, { ...s, strideH: 0 })).toThrow(/strideH/);
    expect(() => simd.conv2dF32(x, w, bias, { ...s, padLeft: -1 })).toThrow(/padLeft/);
  });
});

describe("decodeBase64", () => {
  it("matches Buffer with and without atob", () => {
    const rng = mulberry32(42);
    for (let len = 0; len < 40; len++) {
      const bytes = Uint8Array.from({ length: len }, () => randInt(rng, 0, 255));
      const text = Buffer.from(bytes).toString("base64");
      expect(decodeBase64(text)).toEqual(bytes);
      const saved = globalThis.atob;
      try {
        (globalThis as { atob?: unknown }).atob = undefined;
        expect(decodeBase64(text)).toEqual(bytes);
      } finally {
        globalThis.atob = saved;
      }
    }
  });
});
