// qs8_qc8w_conv2d_minmax: both wasm builds against src/runtime/reference/qs8-ops.ts (qs8Conv2d),
// byte for byte. Shapes come from the kernel's tile constants (NR channels per block, MR rows
// per pass, KR = K granule, the row-buffer tile), plus strides, asymmetric pads, dilation,
// groups / depthwise, batches, zero-point and scale extremes, clamps and worst-case accumulators.
// Cases run through the shared harness (./harness.ts): planned layer by layer as a Plan does.
import { beforeAll, describe, expect, it } from "vitest";
import { ABI_CONSTANTS } from "../../src/engine/abi.js";
import type { Engine } from "../../src/engine/engine.js";
import { tileRows } from "../../src/plan/pack-qc8w.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32, randInt } from "../helpers/rng.js";
import { convLabel as label, expectAllMatch, expectRejections, expectRepeatable, geometryOf, makeConvCase, reference, type ConvCase, type WeightsOf } from "./harness.js";

const { QS8_GEMM_KR, QS8_GEMM_MR, QS8_GEMM_NR } = ABI_CONSTANTS;

/** Uniform int8 weights, or every weight = wFill. */
const int8Weights: WeightsOf<ConvCase> = (rng, count, _per, t) => ({ weights: new Int8Array(count).map(() => t.wFill ?? randInt(rng, -128, 127)) });
const makeCase = (t: ConvCase, seed: number) => makeConvCase(t, seed, int8Weights);

const NAMED: ConvCase[] = [
  { c: 3, h: 32, w: 32, m: 16 }, // ResNet-20 conv1 (K = 27: padded to 32)
  { c: 16, h: 32, w: 32, m: 16, relu: true },
  { c: 16, h: 32, w: 32, m: 32, stride: [2, 2] },
  { c: 16, h: 32, w: 32, m: 32, kh: 1, kw: 1, stride: [2, 2], pads: [0, 0, 0, 0] },
  { c: 32, h: 16, w: 16, m: 64, stride: [2, 2], relu: true },
  { c: 64, h: 8, w: 8, m: 64, n: 2 }, // K = 576: several row-buffer tiles per image
  { n: 3, c: 5, h: 6, w: 7, m: 6 },
  { c: 5, h: 9, w: 11, m: 7, pads: [0, 2, 1, 0] },
  { c: 4, h: 10, w: 13, m: 5, dilation: [2, 2] },
  { c: 3, h: 11, w: 12, m: 5, dilation: [2, 3], stride: [2, 1], pads: [2, 0, 1, 3] },
  { c: 6, h: 8, w: 9, m: 4, group: 2 },
  { c: 12, h: 7, w: 7, m: 18, group: 3, stride: [2, 2] },
  { n: 2, c: 8, h: 7, w: 10, m: 8, group: 8 }, // depthwise
  { c: 6, h: 9, w: 9, m: 12, group: 6, pads: [2, 0, 0, 1] }, // depthwise, multiplier 2
  { c: 32, h: 6, w: 6, m: 32, group: 32, stride: [2, 2] },
  { c: 7, h: 5, w: 6, m: 9, kh: 1, kw: 1, pads: [0, 0, 0, 0] },
  { c: 2, h: 3, w: 4, m: 3, kh: 5, kw: 5, pads: [3, 3, 3, 3] }, // windows entirely in padding
  { c: 2, h: 1, w: 1, m: 1, kh: 1, kw: 1, pads: [0, 0, 0, 0] },
  { c: 3, h: 6, w: 5, m: 4, kh: 2, kw: 4, pads: [0, 1, 1, 2] },
  { c: 3, h: 17, w: 19, m: 5, stride: [3, 3] },
];

/** Extremes: zero points, scales, clamps, worst-case accumulators at K = 576. */
const EXTREMES: ConvCase[] = [];
for (const zx of [-128, 0, 127]) {
  for (const zy of [-128, 0, 127]) EXTREMES.push({ c: 9, h: 6, w: 7, m: 6, zx, zy });
}
for (const scale of ["tiny", "one", "raw"] as const) {
  EXTREMES.push({ c: 16, h: 8, w: 8, m: 12, scale }, { n: 2, c: 5, h: 5, w: 9, m: 7, scale, zx: 127, zy: -128 });
}
EXTREMES.push(
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: -5 },
  { c: 16, h: 8, w: 8, m: 10, qmin: -20, qmax: 30 },
  { c: 16, h: 8, w: 8, m: 10, qmin: 7, qmax: 7 },
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: 127 },
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: -128, scale: "raw" },
);
for (const wFill of [-127, 127, -128]) {
  for (const zx of [127, -128]) {
    EXTREMES.push({ c: 64, h: 6, w: 6, m: 9, xFill: -128, wFill, zx, scale: "tiny" });
    EXTREMES.push({ c: 64, h: 5, w: 5, m: 5, xFill: 127, wFill, zx, scale: "typical", pads: [2, 0, 0, 2] });
  }
}

/** Tails generated from the tile constants. */
function tailCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  for (let m = 1; m <= 2 * QS8_GEMM_NR + 1; m++) cases.push({ c: 3, h: 4, w: 5, m });
  for (let c = 1; c <= 2 * QS8_GEMM_KR + 1; c++) cases.push({ c, h: 4, w: 4, m: 5, kh: 1, kw: 1, pads: [0, 0, 0, 0] });
  for (let c = 1; c <= 2 * QS8_GEMM_KR + 1; c++) cases.push({ c, h: 3, w: 5, m: 4 });
  for (let w = 1; w <= 4 * QS8_GEMM_MR + 1; w++) cases.push({ c: 4, h: 1, w, m: 3, kh: 1, pads: [0, 1, 0, 1] });
  for (let w = 1; w <= 2 * 16 + 1; w += 3) cases.push({ c: 16, h: 2, w, m: 4, stride: [1, 2] });
  // pixel counts around the row-buffer tile (tileP rows of kPad bytes)
  const tileP = tileRows(64 * 9, 1 << 30);
  for (const pixels of [tileP - 1, tileP, tileP + 1, 2 * tileP + 1]) cases.push({ c: 64, h: 1, w: pixels, m: 5, kh: 3, kw: 3 });
  return cases;
}

function randomCases(seed: number, count: number): ConvCase[] {
  const rng = mulberry32(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const group = rng() < 0.3 ? randInt(rng, 1, 4) : 1;
    const t: ConvCase = {
      n: randInt(rng, 1, 3), c: group * randInt(rng, 1, 20), h: randInt(rng, 1, 14), w: randInt(rng, 1, 14),
      m: group * randInt(rng, 1, 2 * QS8_GEMM_NR + 3), kh: randInt(rng, 1, 5), kw: randInt(rng, 1, 5), group,
      stride: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      pads: [randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3)],
      dilation: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      zx: [-128, 127, 0, randInt(rng, -128, 127)][randInt(rng, 0, 3)], zy: randInt(rng, -128, 127),
      scale: (["typical", "tiny", "one", "raw"] as const)[randInt(rng, 0, 3)], relu: rng() < 0.3,
    };
    const g = geometryOf(t);
    if (g.oh >= 1 && g.ow >= 1) cases.push(t);
  }
  return cases;
}

describe("qs8_qc8w_conv2d_minmax", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  const suites: [string, ConvCase[]][] = [
    ["named", NAMED],
    ["extremes", EXTREMES],
    ["tails", tailCases()],
    ["random", randomCases(0xc0417, 80)],
  ];
  for (const [suite, cases] of suites) {
    describe(suite, () => {
      cases.forEach((t, i) => {
        it(label(t), () => {
          const c = makeCase(t, 7000 + i);
          const want = reference(c);
          if (t.scale === undefined && t.xFill === undefined && t.qmin === undefined && t.zy === undefined) {
            // the case must exercise requantization, not just the clamp
            const inside = want.filter((v) => v > -128 && v < 127).length;
            expect(inside).toBeGreaterThan(want.length / 2);
          }
          expectAllMatch([scalar, simd], c, ["int8"], want);
        });
      });
    });
  }

  it("repeated runs give the same bytes and never grow memory", () => {
    for (const e of [scalar, simd]) expectRepeatable(e, makeCase({ n: 3, c: 16, h: 9, w: 9, m: 10, stride: [2, 2] }, 5), makeCase({ c: 64, h: 8, w: 8, m: 64 }, 6), "int8");
  });

  it("rejects bad layers, zero points, pointers and overlapping buffers", () => {
    expectRejections(simd, makeCase({ c: 4, h: 5, w: 5, m: 3 }, 9), "int8");
  });
});
