// The issue-12 kernels (qs8-avgpool, x8-lut, x8-concat, qs8-vmul, qs8-softmax): scalar wasm ==
// SIMD wasm == TS reference (src/runtime/reference/qs8-ops-extra.ts), byte for byte, on shapes
// around the SIMD widths (16 channels / bytes, 8 products) with tails, batches, zero-point and
// scale extremes; every output byte written.
import { beforeAll, describe, expect, it } from "vitest";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import { convOutputSize } from "../../src/engine/conv-geometry.js";
import type { Engine } from "../../src/engine/engine.js";
import type { QAvgPool, QConcat, QLut, QMul, QSoftmax } from "../../src/ir/qgraph-ops.js";
import type { QParams } from "../../src/ir/qgraph.js";
import { softmaxExpTable } from "../../src/quant/quantize-ops.js";
import { qs8AvgPool, qs8Mul, qs8Softmax, x8Concat, x8Lut } from "../../src/runtime/reference/qs8-ops-extra.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32, randInt } from "../helpers/rng.js";
import type { QNode } from "../../src/ir/qgraph.js";
import { layerStep } from "../../src/plan/layer-step.js";
import { bindCall } from "../../src/runtime/bind.js";
import { planOp } from "./harness.js";

/** Plans `node` alone and runs it once: its packed table copied in, inputs in, output pre-filled with 99 (every byte must be written) or in place over input 0. */
function runOp(e: Engine, node: QNode, n: number, inputs: Int8Array[], outBytes: number, opts: { qs?: Record<string, QParams>; inPlace?: number } = {}): Int8Array {
  const step = layerStep(node, (v) => opts.qs?.[v] ?? { scale: 1, zeroPoint: 0 })!;
  const packed = e.alloc(step.packed?.length ?? 0);
  if (step.packed) e.write(packed, step.packed);
  const ptrs = inputs.map((x) => e.alloc(x.length));
  inputs.forEach((x, i) => e.i8View(ptrs[i]!, x.length).set(x));
  const y = opts.inPlace !== undefined ? ptrs[opts.inPlace]! : e.alloc(outBytes);
  if (opts.inPlace === undefined) e.i8View(y, outBytes).fill(99);
  const call = bindCall(step, ptrs, y, packed, 0, n);
  e.run(call.kernel, call.params);
  return e.i8View(y, outBytes).slice();
}

let engines: Engine[];
beforeAll(async () => {
  engines = [await loadEngine({ simd: false }), await loadEngine({ simd: true })];
});
const bytes = (rng: () => number, n: number, fill?: number) => Int8Array.from({ length: n }, () => fill ?? randInt(rng, -128, 127));
const both = (run: (e: Engine) => Int8Array, want: Int8Array) => {
  for (const e of engines) expect(run(e), e.simd ? "simd" : "scalar").toEqual(want);
};

interface PoolCase { n: number; h: number; w: number; c: number; k: [number, number]; s: [number, number]; pads: [number, number, number, number]; inc: boolean; ceil?: boolean; zx?: number; real?: number; fill?: number; dil?: [number, number] }

function poolNode(t: PoolCase, rng: () => number): QAvgPool {
  const [dh, dw] = t.dil ?? [1, 1];
  const kh = (t.k[0] - 1) * dh + 1, kw = (t.k[1] - 1) * dw + 1; // the dilated extent
  const out = (i: number, k: number, s: number, p0: number, p1: number) => {
    if (!t.ceil) return convOutputSize(i, k, s, p0, p1, 1);
    let o = Math.ceil((i + p0 + p1 - k) / s) + 1;
    if ((o - 1) * s >= i + p0) o--;
    return o;
  };
  const oh = out(t.h, kh, t.s[0], t.pads[0], t.pads[2]), ow = out(t.w, kw, t.s[1], t.pads[1], t.pads[3]);
  // ceil_mode's extra outputs as extra (uncounted) bottom / right padding, as the lowering does
  const padBottom = Math.max(t.pads[2], (oh - 1) * t.s[0] + kh - t.h - t.pads[0]), padRight = Math.max(t.pads[3], (ow - 1) * t.s[1] + kw - t.w - t.pads[1]);
  const geometry = { c: t.c, h: t.h, w: t.w, kh: t.k[0], kw: t.k[1], strideH: t.s[0], strideW: t.s[1], padTop: t.pads[0], padLeft: t.pads[1], padBottom, padRight, dilationH: dh, dilationW: dw, oh, ow };
  const cells = t.k[0] * t.k[1], mult = new Int32Array(cells), shift = new Int32Array(cells);
  const r = t.real ?? 0.5 + rng();
  for (let d = 1; d <= cells; d++) ({ mult: mult[d - 1]!, shift: shift[d - 1]! } = quantizeMultiplier(r / d));
  return { op: "avgpool", name: "ap", inputs: ["x"], outputs: ["y"], geometry, countIncludePad: t.inc, ceilExtra: [padBottom - t.pads[2], padRight - t.pads[3]], mult, shift };
}

describe("qs8_avgpool", () => {
  const cases: PoolCase[] = [{ n: 2, h: 8, w: 8, c: 64, k: [8, 8], s: [1, 1], pads: [0, 0, 0, 0], inc: false }];
  for (let c = 1; c <= 33; c += 4) cases.push({ n: 2, h: 5, w: 6, c, k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1], inc: c % 8 === 1 });
  cases.push({ n: 1, h: 7, w: 8, c: 17, k: [3, 3], s: [2, 2], pads: [1, 0, 1, 1], inc: false, ceil: true });
  cases.push({ n: 1, h: 7, w: 8, c: 17, k: [3, 3], s: [2, 2], pads: [1, 0, 1, 1], inc: true, ceil: true });
  cases.push({ n: 3, h: 5, w: 6, c: 20, k: [2, 3], s: [1, 1], pads: [1, 2, 0, 1], inc: true });
  for (const inc of [false, true]) cases.push({ n: 1, h: 6, w: 8, c: 18, k: [3, 3], s: [2, 2], pads: [0, 1, 0, 0], inc, ceil: true }); // ceil adds a row and a column
  cases.push({ n: 1, h: 4, w: 4, c: 3, k: [3, 3], s: [1, 1], pads: [2, 2, 2, 2], inc: false }); // corner windows hold one cell
  for (const fill of [-128, 127]) for (const zx of [-128, 127]) cases.push({ n: 1, h: 16, w: 16, c: 19, k: [16, 16], s: [1, 1], pads: [0, 0, 0, 0], inc: false, fill, zx, real: 1 });
  // dilated windows (the kernels take them; ONNX AveragePool has none before opset 19): the SIMD column range per window row
  for (const inc of [false, true]) cases.push({ n: 1, h: 9, w: 11, c: 18, k: [3, 3], s: [1, 2], pads: [2, 4, 2, 1], inc, dil: [2, 3] });
  cases.push({ n: 1, h: 6, w: 6, c: 18, k: [3, 3], s: [3, 3], pads: [0, 0, 0, 0], inc: false, real: 2 ** -20 }, { n: 1, h: 6, w: 6, c: 18, k: [3, 3], s: [3, 3], pads: [0, 0, 0, 0], inc: false, real: 3.7 });
  cases.forEach((t, i) =>
    it(JSON.stringify(t), () => {
      const rng = mulberry32(1200 + i);
      const node = poolNode(t, rng);
      const xq: QParams = { scale: 0.1, zeroPoint: t.zx ?? randInt(rng, -20, 20) }, yq: QParams = { scale: 0.1, zeroPoint: randInt(rng, -20, 20) };
      const x = bytes(rng, t.n * t.h * t.w * t.c, t.fill);
      const g = node.geometry;
      both((e) => runOp(e, node, t.n, [x], t.n * g.oh * g.ow * g.c, { qs: { x: xq, y: yq } }), qs8AvgPool(x, t.n, node, xq, yq));
    }),
  );
  it("the planner rejects a short divisor table and a bad window", () => {
    const node = poolNode(cases[1]!, mulberry32(1));
    expect(() => planOp({ ...node, mult: node.mult.subarray(1) })).toThrow(/divisor table/);
    expect(() => planOp({ ...node, geometry: { ...node.geometry, oh: node.geometry.oh + 1 } })).toThrow(/output size/);
  });
});

describe("x8_lut", () => {
  for (const count of [1, 15, 16, 17, 31, 32, 33, 100, 256, 1000])
    it(`count ${count}, random table, in place and not`, () => {
      const rng = mulberry32(1300 + count);
      const node: QLut = { op: "lut", name: "l", inputs: ["x"], outputs: ["y"], size: count, table: bytes(rng, 256) };
      const x = count === 256 ? Int8Array.from({ length: 256 }, (_, i) => i - 128) : bytes(rng, count);
      const want = x8Lut(x, node);
      both((e) => runOp(e, node, 1, [x], count), want);
      both((e) => runOp(e, node, 1, [x], count, { inPlace: 0 }), want);
      const x4 = bytes(rng, 4 * count); // batch 4: the kernel's count is the whole batch
      both((e) => runOp(e, node, 4, [x4], 4 * count), x8Lut(x4, node));
    });
  it("rejects a table of the wrong length", () => {
    expect(() => planOp({ op: "lut", name: "l", inputs: ["x"], outputs: ["y"], size: 4, table: new Int8Array(255) })).toThrow(/256/);
  });
});

describe("x8_concat", () => {
  const cases: { n: number; outer: number; lens: number[] }[] = [
    { n: 1, outer: 1, lens: [5] }, { n: 2, outer: 3, lens: [16, 16] }, { n: 2, outer: 7, lens: [17, 3] }, { n: 1, outer: 9, lens: [1, 31, 33] },
    { n: 3, outer: 4, lens: [8, 24, 15, 40] }, { n: 1, outer: 64, lens: [64, 64] },
  ];
  cases.forEach((t, i) =>
    it(JSON.stringify(t), () => {
      const rng = mulberry32(1400 + i);
      const inputs = t.lens.map((_, k) => `x${k}`);
      const node: QConcat = { op: "concat", name: "cat", inputs, outputs: ["y"], outer: t.outer, lens: t.lens };
      const xs = t.lens.map((l) => bytes(rng, t.n * t.outer * l));
      both((e) => runOp(e, node, t.n, xs, t.n * t.outer * t.lens.reduce((s, l) => s + l, 0)), x8Concat(xs, t.n, node));
    }),
  );
  it("rejects inputs quantized unlike the output and more than 4 inputs", () => {
    const node: QConcat = { op: "concat", name: "cat", inputs: ["a", "b"], outputs: ["y"], outer: 1, lens: [1, 1] };
    expect(() => planOp(node, { a: { scale: 2, zeroPoint: 0 } })).toThrow(/input 0 is not quantized like the output/);
    expect(() => planOp({ ...node, inputs: ["a", "b", "c", "d", "e"], lens: [1, 1, 1, 1, 1] })).toThrow(/1\.\.4 per call/);
  });
});

describe("qs8_vmul", () => {
  const cases: { n: number; size: number; bSize: number; real?: number; za?: number; zb?: number; qmin?: number; qmax?: number }[] = [
    { n: 1, size: 7, bSize: 7 }, { n: 2, size: 64, bSize: 64 }, { n: 2, size: 8 * 8 * 24, bSize: 24 }, { n: 3, size: 5 * 13, bSize: 13 },
    { n: 1, size: 16 * 9, bSize: 9 }, { n: 1, size: 100, bSize: 1 }, { n: 2, size: 40, bSize: 40, real: 2 ** -12, za: -128, zb: 127 },
    { n: 1, size: 33, bSize: 33, real: 1 / 255, za: 127, zb: -128, qmin: -10, qmax: 20 },
  ];
  cases.forEach((t, i) =>
    it(JSON.stringify(t), () => {
      const rng = mulberry32(1500 + i);
      const { mult, shift } = quantizeMultiplier(t.real ?? (1 / 128) * (0.5 + rng()));
      const node: QMul = { op: "mul", name: "mul", inputs: ["a", "b"], outputs: ["y"], size: t.size, bSize: t.bSize, mult, shift, qmin: t.qmin ?? -128, qmax: t.qmax ?? 127 };
      const aq = { scale: 0.1, zeroPoint: t.za ?? randInt(rng, -20, 20) }, bq = { scale: 0.1, zeroPoint: t.zb ?? randInt(rng, -20, 20) }, yq = { scale: 0.1, zeroPoint: randInt(rng, -20, 20) };
      const a = bytes(rng, t.n * t.size), b = bytes(rng, t.n * t.bSize);
      both((e) => runOp(e, node, t.n, [a, b], t.n * t.size, { qs: { a: aq, b: bq, y: yq } }), qs8Mul(a, b, t.n, node, aq, bq, yq));
    }),
  );
});

describe("qs8_softmax", () => {
  const cases: { n: number; rows: number; k: number; scale: number; fill?: number }[] = [
    { n: 1, rows: 1, k: 10, scale: 0.1 }, { n: 4, rows: 1, k: 1000, scale: 0.05 }, { n: 2, rows: 9, k: 4, scale: 0.3 }, { n: 1, rows: 1, k: 1, scale: 0.1 },
    { n: 2, rows: 1, k: 17, scale: 1e-4 }, { n: 1, rows: 1, k: 10, scale: 0.1, fill: 5 }, { n: 1, rows: 1, k: 32767, scale: 0.02 },
  ];
  cases.forEach((t, i) =>
    it(JSON.stringify(t), () => {
      const rng = mulberry32(1600 + i);
      const node: QSoftmax = { op: "softmax", name: "sm", inputs: ["x"], outputs: ["y"], rows: t.rows, k: t.k, exp: softmaxExpTable(t.scale) };
      const x = bytes(rng, t.n * t.rows * t.k, t.fill);
      const want = qs8Softmax(x, t.n, node);
      both((e) => runOp(e, node, t.n, [x], x.length), want);
      // probabilities: each run sums to about 256 steps (one per element of rounding at most)
      for (let r = 0; r < t.n * t.rows; r++) {
        let s = 0;
        for (let j = 0; j < t.k; j++) s += want[r * t.k + j]! + 128;
        expect(Math.abs(s - 256), `run ${r}`).toBeLessThanOrEqual(Math.max(1, t.k / 2));
      }
    }),
  );
  it("rejects a bad exp table", () => {
    const node: QSoftmax = { op: "softmax", name: "sm", inputs: ["x"], outputs: ["y"], rows: 1, k: 3, exp: new Int32Array(256) };
    expect(() => planOp(node)).toThrow(/exp\[0\]/);
  });
});
