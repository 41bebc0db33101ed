// qs8_qc8w_dwconv_minmax (depthwise: group == c == m): both wasm builds against
// src/runtime/reference/qs8-ops.ts (qs8Conv2d), byte for byte, with int8 weights (every int8
// form) and power-of-two weights (codes, shift-add, int8 routes; all three rounding rules).
// Shapes come from the kernel's constants (DW_CR channels per group: tails 1 .. 2 DW_CR + 1;
// taps in pairs: odd and even tap counts), plus strides, asymmetric pads, dilation, kernels
// larger than the image, batches, zero-point and scale extremes (both requantization paths),
// clamps and worst-case accumulators. Cases run through the shared harness (./harness.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { ABI_CONSTANTS } from "../../src/engine/abi.js";
import type { Engine } from "../../src/engine/engine.js";
import type { PotRounding } from "../../src/ir/qgraph.js";
import { layerStep } from "../../src/plan/layer-step.js";
import { packDwconv } from "../../src/plan/pack-dwconv.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { potWeights } from "../helpers/pot-codes.js";
import { mulberry32, randInt } from "../helpers/rng.js";
import {
  convLabel, expectAllMatch, expectRejections, expectRepeatable, geometryOf, makeConvCase, reference,
  type ConvCase as BaseCase, type LayerCase, type WeightsOf, INT8_ROUTES, POT_ROUTES,
} from "./harness.js";
import type { QConv } from "../../src/ir/qgraph.js";

const { DW_CR } = ABI_CONSTANTS;
const RULES: PotRounding[] = ["log", "linear", "floor"];

interface DwCase extends Omit<BaseCase, "m" | "group"> {
  /** power-of-two weights by this rule (else int8) */
  rule?: PotRounding;
}

const full = (t: DwCase): BaseCase => ({ ...t, m: t.c, group: t.c });
const label = (t: DwCase) => convLabel(full(t), t.rule ? ` pot-${t.rule}` : " int8");
const weightsOf: WeightsOf<DwCase> = (rng, count, perChannel, t) => {
  if (t.rule === undefined) return { weights: new Int8Array(count).map(() => t.wFill ?? randInt(rng, -128, 127)) };
  const { weights, rule, bits } = potWeights(rng, count, perChannel, t);
  return { weights, pot: { rule, bits } };
};
const makeCase = (t: DwCase, seed: number): LayerCase<QConv> => makeConvCase(full(t), seed, weightsOf as WeightsOf<BaseCase>, label(t));
const routes = (t: DwCase) => (t.rule ? POT_ROUTES : INT8_ROUTES);

const NAMED: DwCase[] = [];
for (const rule of [undefined, ...RULES]) {
  NAMED.push(
    { c: 128, h: 32, w: 32, rule }, // the MobileNetV2-style shapes (3x3, pad 1)
    { c: 64, h: 32, w: 32, stride: [2, 2], rule },
    { c: 96, h: 16, w: 16, rule, relu: true },
    { c: 96, h: 16, w: 16, stride: [2, 2], rule },
    { n: 2, c: 256, h: 8, w: 8, rule },
  );
}
NAMED.push(
  { c: 24, h: 9, w: 11, kh: 5, kw: 5, pads: [2, 2, 2, 2] },
  { c: 40, h: 12, w: 12, kh: 5, kw: 5, pads: [2, 2, 2, 2], stride: [2, 2], rule: "linear" },
  { c: 17, h: 10, w: 9, kh: 5, kw: 5, pads: [1, 2, 2, 1], stride: [2, 1], rule: "floor" },
  { c: 20, h: 13, w: 10, dilation: [2, 2], pads: [2, 2, 2, 2] },
  { c: 9, h: 11, w: 12, dilation: [2, 3], stride: [2, 1], pads: [2, 0, 1, 3], rule: "log" },
  { c: 33, h: 7, w: 7, kh: 7, kw: 7, pads: [3, 3, 3, 3] },
  { c: 5, h: 3, w: 4, kh: 5, kw: 5, pads: [3, 3, 3, 3], rule: "linear" }, // windows entirely in padding
  { c: 18, h: 6, w: 6, kh: 1, kw: 1, pads: [0, 0, 0, 0] }, // one tap (padded to a pair)
  { c: 18, h: 6, w: 7, kh: 1, kw: 3, pads: [0, 1, 0, 1], rule: "floor" },
  { c: 18, h: 7, w: 6, kh: 3, kw: 1, pads: [1, 0, 1, 0] },
  { c: 16, h: 8, w: 8, kh: 2, kw: 2, pads: [0, 0, 1, 1], stride: [2, 2] },
  { c: 2, h: 1, w: 1, kh: 3, kw: 3 },
  { n: 3, c: 31, h: 5, w: 6, rule: "log" },
  { c: 19, h: 17, w: 19, stride: [3, 3], pads: [0, 0, 0, 0] },
);

const EXTREMES: DwCase[] = [];
for (const zx of [-128, 0, 127]) {
  for (const zy of [-128, 0, 127]) EXTREMES.push({ c: 21, h: 6, w: 7, zx, zy, rule: [undefined, ...RULES][(zx + zy + 512) % 4] });
}
for (const scale of ["tiny", "one", "raw", "edge"] as const) {
  EXTREMES.push({ c: 32, h: 8, w: 8, scale }, { n: 2, c: 19, h: 5, w: 9, scale, zx: 127, zy: -128, rule: "floor" });
}
EXTREMES.push(
  { c: 16, h: 8, w: 8, relu: true, zy: -5 },
  { c: 16, h: 8, w: 8, qmin: -20, qmax: 30, rule: "linear" },
  { c: 16, h: 8, w: 8, qmin: 7, qmax: 7 },
  { c: 16, h: 8, w: 8, relu: true, zy: 127, rule: "floor" },
);
// worst-case accumulators: every tap at an extreme weight and input
for (const [wFill, rule] of [[-128, undefined], [127, undefined], [128, "log"], [-128, "linear"], [-128, "floor"]] as const) {
  for (const zx of [127, -128]) {
    EXTREMES.push({ c: 24, h: 6, w: 6, kh: 7, kw: 7, pads: [3, 3, 3, 3], xFill: -128, wFill, zx, scale: "tiny", rule });
    EXTREMES.push({ c: 24, h: 5, w: 5, xFill: 127, wFill, zx, scale: "typical", pads: [2, 0, 0, 2], rule });
  }
}

function tailCases(): DwCase[] {
  const cases: DwCase[] = [];
  for (let c = 2; c <= 2 * DW_CR + 1; c++) cases.push({ c, h: 4, w: 5, rule: [undefined, ...RULES][c % 4] });
  for (let c = 2; c <= 2 * DW_CR + 1; c += 3) cases.push({ c, h: 5, w: 5, stride: [2, 2], kh: 5, kw: 5, pads: [2, 2, 2, 2] });
  for (let w = 1; w <= 9; w++) cases.push({ c: 16, h: 1, w, kh: 1, pads: [0, 1, 0, 1] });
  return cases;
}

function randomCases(seed: number, count: number): DwCase[] {
  const rng = mulberry32(seed);
  const cases: DwCase[] = [];
  while (cases.length < count) {
    const t: DwCase = {
      n: randInt(rng, 1, 3), c: randInt(rng, 2, 40), h: randInt(rng, 1, 14), w: randInt(rng, 1, 14),
      kh: randInt(rng, 1, 5), kw: randInt(rng, 1, 5),
      stride: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      pads: [randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3)],
      dilation: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      zx: [-128, 127, 0, randInt(rng, -128, 127)][randInt(rng, 0, 3)], zy: randInt(rng, -128, 127),
      scale: (["typical", "tiny", "one", "raw", "edge"] as const)[randInt(rng, 0, 4)], relu: rng() < 0.3,
      rule: [undefined, ...RULES][randInt(rng, 0, 3)],
    };
    const g = geometryOf(full(t));
    if (g.oh >= 1 && g.ow >= 1) cases.push(t);
  }
  return cases;
}

/** The common shift S of each channel group in the packed header (0: lane-by-lane requantization). */
function commonShifts(c: LayerCase<QConv>): number[] {
  const g = c.node.geometry;
  const bytes = packDwconv(c.node.weights, c.node.bias, c.node.requant.mult, c.node.requant.shift, g.c, g.kh * g.kw, c.xq.zeroPoint, 2);
  const i32 = new Int32Array(bytes.buffer);
  return Array.from({ length: Math.ceil(g.c / DW_CR) }, (_, i) => i32[(i * ABI_CONSTANTS.DW_GROUP_HEADER_BYTES) / 4 + 64]!);
}

describe("qs8_qc8w_dwconv_minmax", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  const suites: [string, DwCase[]][] = [
    ["named", NAMED],
    ["extremes", EXTREMES],
    ["tails", tailCases()],
    ["random", randomCases(0xd3c0, 80)],
  ];
  for (const [suite, cases] of suites) {
    describe(suite, () => {
      cases.forEach((t, i) => {
        it(label(t), () => {
          const c = makeCase(t, 8100 + i);
          const want = reference(c);
          if (suite === "named") {
            // the case must exercise requantization, not just the clamp
            expect(want.filter((v) => v > -128 && v < 127).length).toBeGreaterThan(want.length / 3);
          }
          expectAllMatch([scalar, simd], c, routes(t), want);
        });
      });
    });
  }

  it("the planner runs depthwise layers (multiplier 1) on this kernel, and other grouped convs on the general one", () => {
    const kernel = (t: BaseCase) => {
      const c = makeConvCase(t, 1, weightsOf as WeightsOf<BaseCase>);
      return layerStep(c.node, (v) => (v === "x" ? c.xq : c.yq))!.kernel;
    };
    expect(kernel(full({ c: 8, h: 5, w: 5 }))).toBe("qs8-qc8w-dwconv");
    expect(kernel({ c: 8, h: 5, w: 5, m: 16, group: 8 })).toBe("qs8-qc8w-conv2d"); // multiplier 2
    expect(kernel({ c: 8, h: 5, w: 5, m: 8, group: 4 })).toBe("qs8-qc8w-conv2d");
    expect(kernel({ c: 1, h: 5, w: 5, m: 1, group: 1 })).toBe("qs8-qc8w-conv2d");
  });

  it("both requantization paths are exercised: a common shift for typical scales, lane by lane for small shifts", () => {
    const typical = commonShifts(makeCase({ c: 64, h: 4, w: 4 }, 3));
    expect(typical.every((s) => s >= 32)).toBe(true);
    expect(commonShifts(makeCase({ c: 64, h: 4, w: 4, scale: "raw" }, 3)).some((s) => s === 0)).toBe(true);
  });

  it("common shift with channel shifts up to 2^20 apart, and at the |acc| * 2^(S - shift) < 2^31 boundary", () => {
    const seen: number[] = [];
    for (const [spread, wFill] of [[20, 1], [12, 7], [9, 127], [8, 127]] as const) {
      const c = makeCase({ c: 40, h: 6, w: 6, xFill: -128, wFill, zx: 127 }, 11);
      const shift = c.node.requant.shift.map((_, j) => 40 + (j % (spread + 1)));
      const bias = new Int32Array(c.node.bias.length); // |acc| = 255 * 9 * |w| at most
      const node = { ...c.node, bias, requant: { ...c.node.requant, shift } };
      const cc = { ...c, node };
      expectAllMatch([scalar, simd], cc, INT8_ROUTES);
      // per group of DW_CR channels: 255 * 9 * wFill * 2^(S - min shift) < 2^31 picks the common shift S
      const want = commonShifts(cc).map((_, g) => {
        const sh = Array.from(shift.subarray(g * DW_CR, (g + 1) * DW_CR));
        const s = Math.max(...sh);
        return 255 * 9 * wFill * 2 ** (s - Math.min(...sh)) < 2 ** 31 ? s : 0;
      });
      expect(commonShifts(cc), `spread ${spread} w ${wFill}`).toEqual(want);
      seen.push(...want);
    }
    expect(seen.some((s) => s === 0) && seen.some((s) => s !== 0)).toBe(true); // both sides of the bound
    // all-zero channels (acc always 0) keep the common shift even 61 apart (pow2d capped)
    const z = makeCase({ c: 20, h: 5, w: 5, wFill: 0 }, 12);
    const zn = { ...z.node, bias: new Int32Array(20), requant: { ...z.node.requant, shift: z.node.requant.shift.map((_, j) => (j % 2 ? 62 : 1)) } };
    expect(commonShifts({ ...z, node: zn })).toEqual([62, 62]);
    expectAllMatch([scalar, simd], { ...z, node: zn }, INT8_ROUTES);
  });

  it("repeated runs give the same bytes and never grow memory", () => {
    for (const e of [scalar, simd]) {
      for (const route of ["unpack", "codes"] as const) {
        const rule = route === "codes" ? "log" : undefined;
        expectRepeatable(e, makeCase({ n: 3, c: 20, h: 9, w: 9, stride: [2, 2], rule }, 5), makeCase({ c: 64, h: 8, w: 8, rule }, 6), route);
      }
    }
  });

  it("rejects bad layers, zero points, pointers and overlapping buffers", () => {
    expectRejections(simd, makeCase({ c: 20, h: 5, w: 5 }, 9), "unpack");
    expectRejections(simd, makeCase({ c: 20, h: 5, w: 5, rule: "log" }, 9), "codes");
  });
});
