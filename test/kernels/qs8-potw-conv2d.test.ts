// qs8_potw_conv2d_minmax (shift-add, power-of-two weights): both wasm builds against the int8
// kernel run on the decoded weights and against src/runtime/reference/qs8-ops.ts (qs8Conv2d),
// byte for byte. Codes come from all three rounding rules (4-bit floor, 5-bit log and linear)
// and from direct fills (all-zero channels, all +-128, one exponent everywhere). Shapes come
// from the kernel's tile constants (POTW_PANEL_PIXELS pixels per panel, POTW_KR,
// POTW_SEGMENT_TAPS taps per segment), plus strides, pads, dilation, groups / depthwise,
// batches, zero-point and scale extremes, clamps and worst-case accumulators.
// Cases run through the shared harness (./harness.ts): planned layer by layer as a Plan does.
import { beforeAll, describe, expect, it } from "vitest";
import { ABI_CONSTANTS } from "../../src/engine/abi.js";
import type { Engine } from "../../src/engine/engine.js";
import type { PotRounding } from "../../src/ir/qgraph.js";
import { codeBits, decodePot, encodePot, maxPotExponent } from "../../src/core/pot-codec.js";
import { LayerRunner } from "../../src/runtime/layer-runner.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { potWeights } from "../helpers/pot-codes.js";
import { mulberry32, randInt } from "../helpers/rng.js";
import {
  convLabel, expectAllMatch, expectRejections, expectRepeatable, geometryOf, makeConvCase, reference, valuesOf,
  type ConvCase as BaseCase, type WeightsOf,
} from "./harness.js";

const { POTW_KR, POTW_PANEL_PIXELS, POTW_SEGMENT_TAPS } = ABI_CONSTANTS;
const RULES: PotRounding[] = ["log", "linear", "floor"];

interface ConvCase extends BaseCase {
  rule?: PotRounding;
  /** every third output channel has only zero weights */
  zeroChannels?: boolean;
  /** weights drawn as +-2^e with e uniform in 0..7 (or 0..6 for floor), no zeros; wFill 128 / -128: exponent 7 */
  allExponents?: boolean;
}

const label = (t: ConvCase) => convLabel(t, ` ${t.rule ?? "log"}`) + (t.zeroChannels ? " zero-channels" : "") + (t.allExponents ? " all-exponents" : "");
const potLayerWeights: WeightsOf<ConvCase> = (rng, count, perChannel, t) => {
  const { weights, rule, bits } = potWeights(rng, count, perChannel, t);
  return { weights, pot: { rule, bits } };
};
const makeCase = (t: ConvCase, seed: number) => makeConvCase(t, seed, potLayerWeights, label(t));

const NAMED: ConvCase[] = [];
for (const rule of RULES) {
  NAMED.push(
    { c: 3, h: 32, w: 32, m: 16, rule }, // ResNet-20 conv1 (K = 27)
    { c: 16, h: 32, w: 32, m: 16, relu: true, rule },
    { c: 16, h: 32, w: 32, m: 32, stride: [2, 2], rule },
    { c: 32, h: 16, w: 16, m: 32, rule, relu: true },
    { c: 32, h: 16, w: 16, m: 64, stride: [2, 2], rule },
    { c: 64, h: 8, w: 8, m: 64, n: 2, rule }, // K = 576
  );
}
NAMED.push(
  { c: 16, h: 32, w: 32, m: 32, kh: 1, kw: 1, stride: [2, 2], pads: [0, 0, 0, 0], rule: "linear" },
  { n: 3, c: 5, h: 6, w: 7, m: 6, rule: "floor" },
  { c: 5, h: 9, w: 11, m: 7, pads: [0, 2, 1, 0] },
  { c: 4, h: 10, w: 13, m: 5, dilation: [2, 2], rule: "linear" },
  { c: 3, h: 11, w: 12, m: 5, dilation: [2, 3], stride: [2, 1], pads: [2, 0, 1, 3], rule: "floor" },
  { c: 6, h: 8, w: 9, m: 4, group: 2 },
  { c: 12, h: 7, w: 7, m: 18, group: 3, stride: [2, 2], rule: "floor" },
  { n: 2, c: 8, h: 7, w: 10, m: 8, group: 8 }, // depthwise
  { c: 6, h: 9, w: 9, m: 12, group: 6, pads: [2, 0, 0, 1], rule: "linear" }, // depthwise, multiplier 2
  { c: 32, h: 6, w: 6, m: 32, group: 32, stride: [2, 2], rule: "floor" },
  { c: 7, h: 5, w: 6, m: 9, kh: 1, kw: 1, pads: [0, 0, 0, 0] },
  { c: 2, h: 3, w: 4, m: 3, kh: 5, kw: 5, pads: [3, 3, 3, 3] }, // windows entirely in padding
  { c: 2, h: 1, w: 1, m: 1, kh: 1, kw: 1, pads: [0, 0, 0, 0] },
  { c: 3, h: 6, w: 5, m: 4, kh: 2, kw: 4, pads: [0, 1, 1, 2], rule: "linear" },
  { c: 3, h: 17, w: 19, m: 5, stride: [3, 3] },
  { c: 16, h: 9, w: 9, m: 10, zeroChannels: true },
  { c: 16, h: 9, w: 9, m: 10, zeroChannels: true, rule: "floor", group: 2 },
  { c: 16, h: 9, w: 9, m: 10, allExponents: true },
  { c: 16, h: 9, w: 9, m: 10, allExponents: true, rule: "floor" },
  // output channels staged 16 at a time by the SIMD kernel: blocks, channel tails, panel tails
  { c: 8, h: 9, w: 8, m: 20 },
  { n: 2, c: 6, h: 8, w: 8, m: 66, group: 2, rule: "linear" },
  { c: 5, h: 4, w: 16, m: 48, rule: "floor", kh: 1, kw: 1, pads: [0, 0, 0, 0] },
);

/** Extremes: zero points, scales, clamps, worst-case accumulators at K = 576. */
const EXTREMES: ConvCase[] = [];
for (const zx of [-128, 0, 127]) {
  for (const zy of [-128, 0, 127]) EXTREMES.push({ c: 9, h: 6, w: 7, m: 6, zx, zy, rule: RULES[(zx + zy + 512) % 3] });
}
for (const scale of ["tiny", "one", "raw", "edge"] as const) {
  EXTREMES.push({ c: 16, h: 8, w: 8, m: 12, scale }, { n: 2, c: 5, h: 5, w: 9, m: 7, scale, zx: 127, zy: -128, rule: "floor" });
}
EXTREMES.push(
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: -5 },
  { c: 16, h: 8, w: 8, m: 10, qmin: -20, qmax: 30, rule: "linear" },
  { c: 16, h: 8, w: 8, m: 10, qmin: 7, qmax: 7 },
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: 127, rule: "floor" },
  { c: 16, h: 8, w: 8, m: 10, relu: true, zy: -128, scale: "raw" },
);
// worst-case accumulators: K = 576 taps of one exponent (3 segments of <= 255), all x at an extreme
for (const wFill of [128, -128, 127, -127, 1]) {
  for (const zx of [127, -128]) {
    EXTREMES.push({ c: 64, h: 6, w: 6, m: 9, xFill: -128, wFill, zx, scale: "tiny" });
    EXTREMES.push({ c: 64, h: 5, w: 5, m: 5, xFill: 127, wFill, zx, scale: "typical", pads: [2, 0, 0, 2] });
  }
}
EXTREMES.push(
  { c: 64, h: 6, w: 6, m: 9, xFill: -128, wFill: 64, zx: 127, scale: "tiny", rule: "floor" }, // 4-bit exponent 6 everywhere
  { c: 64, h: 6, w: 6, m: 9, xFill: -128, wFill: -64, zx: -128, scale: "tiny", rule: "floor" },
);

/** Tails generated from the tile constants. */
function tailCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  // output pixels around the panel: 1 .. 2P + 1 (one output row)
  for (let w = 1; w <= 2 * POTW_PANEL_PIXELS + 1; w += w < POTW_KR + 2 ? 1 : 3) cases.push({ c: 4, h: 1, w, m: 3, kh: 1, pads: [0, 1, 0, 1] });
  for (const pixels of [POTW_PANEL_PIXELS - 1, POTW_PANEL_PIXELS, POTW_PANEL_PIXELS + 1, 3 * POTW_PANEL_PIXELS + POTW_KR - 1]) {
    cases.push({ c: 8, h: 1, w: pixels, m: 5, rule: "linear" });
  }
  // K around the transpose granule
  for (let c = 1; c <= 2 * POTW_KR + 1; c++) cases.push({ c, h: 4, w: 4, m: 5, kh: 1, kw: 1, pads: [0, 0, 0, 0], rule: RULES[c % 3] });
  for (let c = 1; c <= 2 * POTW_KR + 1; c++) cases.push({ c, h: 3, w: 5, m: 4, rule: RULES[c % 3] });
  // taps per level around the segment size: 1x1 convs whose K = c taps all share one exponent
  const s = POTW_SEGMENT_TAPS;
  for (const c of [s - 1, s, s + 1, 2 * s, 2 * s + 1]) {
    cases.push({ c, h: 2, w: 3, m: 3, kh: 1, kw: 1, pads: [0, 0, 0, 0], xFill: -128, wFill: -128, zx: 127, scale: "tiny" });
    cases.push({ c, h: 2, w: 3, m: 3, kh: 1, kw: 1, pads: [0, 0, 0, 0], wFill: 128 });
    cases.push({ c, h: 2, w: 3, m: 3, kh: 1, kw: 1, pads: [0, 0, 0, 0], allExponents: true, rule: "floor" });
  }
  for (let m = 1; m <= 9; m++) cases.push({ c: 3, h: 4, w: 5, m });
  return cases;
}

function randomCases(seed: number, count: number): ConvCase[] {
  const rng = mulberry32(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const group = rng() < 0.3 ? randInt(rng, 1, 4) : 1;
    const t: ConvCase = {
      n: randInt(rng, 1, 3), c: group * randInt(rng, 1, 20), h: randInt(rng, 1, 14), w: randInt(rng, 1, 14),
      m: group * randInt(rng, 1, 11), kh: randInt(rng, 1, 5), kw: randInt(rng, 1, 5), group,
      stride: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      pads: [randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3), randInt(rng, 0, 3)],
      dilation: [randInt(rng, 1, 2), randInt(rng, 1, 2)],
      zx: [-128, 127, 0, randInt(rng, -128, 127)][randInt(rng, 0, 3)], zy: randInt(rng, -128, 127),
      scale: (["typical", "tiny", "one", "raw", "edge"] as const)[randInt(rng, 0, 4)], relu: rng() < 0.3,
      rule: RULES[randInt(rng, 0, 2)], zeroChannels: rng() < 0.2, allExponents: rng() < 0.2,
    };
    const g = geometryOf(t);
    if (g.oh >= 1 && g.ow >= 1) cases.push(t);
  }
  return cases;
}

describe("qs8_potw_conv2d_minmax", () => {
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
    ["random", randomCases(0x90e2, 80)],
  ];
  for (const [suite, cases] of suites) {
    describe(suite, () => {
      cases.forEach((t, i) => {
        it(label(t), () => {
          const c = makeCase(t, 9100 + i);
          const want = reference(c);
          if (suite === "named" && !t.zeroChannels) {
            // the case must exercise requantization, not just the clamp
            const inside = want.filter((v) => v > -128 && v < 127).length;
            expect(inside).toBeGreaterThan(want.length / 3);
          }
          expectAllMatch([scalar, simd], c, ["int8", "shift-add"], want);
        });
      });
    });
  }

  it("layers coded by encodePot: every rule's weights follow the rule's definition, and run bit-exact", () => {
    // the oracle is the rules' definition by brute force over 2^0 .. 2^maxExp, not the codec
    const definition = (q: number, rule: PotRounding): number => {
      if (q === 0) return 0;
      const a = Math.abs(q);
      const powers = Array.from({ length: maxPotExponent(codeBits(rule)) + 1 }, (_, e) => 2 ** e);
      const dist = (p: number) => (rule === "log" ? Math.abs(Math.log2(a) - Math.log2(p)) : Math.abs(a - p));
      const best = rule === "floor" ? Math.max(...powers.filter((p) => p <= a))
        : powers.reduce((b, p) => (dist(p) <= dist(b) ? p : b)); // ascending: a tie goes to the larger power
      return Math.sign(q) * best;
    };
    for (const rule of RULES) {
      const bits = codeBits(rule);
      const c = makeCase({ c: 16, h: 8, w: 8, m: 8, rule }, 1);
      const rng = mulberry32(77);
      const q8 = Int8Array.from(c.node.weights, () => randInt(rng, -127, 127));
      const weights = Int16Array.from(q8, (q) => decodePot(encodePot(q, rule), bits));
      q8.forEach((q, i) => expect(weights[i], `${rule} q = ${q}`).toBe(definition(q, rule)));
      expectAllMatch([scalar, simd], { ...c, node: { ...c.node, weights, pot: { rule, bits } } }, ["int8", "shift-add"]);
    }
  });

  it("repeated runs give the same bytes and never grow memory", () => {
    for (const e of [scalar, simd]) expectRepeatable(e, makeCase({ n: 3, c: 16, h: 9, w: 9, m: 10, stride: [2, 2] }, 5), makeCase({ c: 64, h: 8, w: 8, m: 64 }, 6), "shift-add");
  });

  it("rejects bad layers, codes, zero points, pointers and overlapping buffers", () => {
    const c = makeCase({ c: 4, h: 5, w: 5, m: 3 }, 9);
    expectRejections(simd, c, "shift-add");
    const plan = (node: typeof c.node) => () => new LayerRunner(simd, node, valuesOf(c.node, c.xq, c.yq), 1, "shift-add");
    const c4 = makeCase({ c: 4, h: 5, w: 5, m: 3, rule: "floor" }, 9);
    for (const [bad, bits] of [[3, 5], [-96, 5], [256, 5], [128, 4], [-128, 4]] as const) {
      const weights = Int16Array.from((bits === 4 ? c4 : c).node.weights);
      weights[3] = bad; // not a power of two, or an exponent past the code width
      expect(plan({ ...c.node, weights, pot: { ...c.node.pot!, bits } })).toThrow(new RegExp(`weights\\[3\\] = ${bad} is not a ${bits}-bit PoT weight`));
    }
  });
});
