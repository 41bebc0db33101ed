// The one conv / gemm kernel test harness shared by the int8 (qc8w) and shift-add (potw) suites:
// case geometry, weights and requantization generators, labels, and runners that plan each layer
// (src/plan/layer-step.ts) and run it on an engine (src/runtime/layer-runner.ts), i.e. exactly
// the calls a Plan makes. Weight generation is the only part a suite supplies.
import { expect } from "vitest";
import { convOutputSize } from "../../src/engine/conv-geometry.js";
import type { Engine } from "../../src/engine/engine.js";
import type { Conv2dGeometry, PotWeights, QConv, QGemm, QNode, QParams, QValue, QWeights } from "../../src/ir/qgraph.js";
import { layerStep, type PotKernels } from "../../src/plan/layer-step.js";
import { bindCall } from "../../src/runtime/bind.js";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import { LayerRunner } from "../../src/runtime/layer-runner.js";
import { qs8Conv2d, qs8Gemm } from "../../src/runtime/reference/qs8-ops.js";
import { mulberry32, randInt } from "../helpers/rng.js";

export type Rng = () => number;

/**
 * "typical": real multipliers around 40 / accStd; "tiny": ~2^-20; "one": just below 1; "raw": mult/shift
 * drawn directly, shift 1..40; "edge": shifts 31, 32, 33, 62 (the SIMD requantization switches paths at 32)
 */
export type Scale = "typical" | "tiny" | "one" | "raw" | "edge";

/** A suite's weights for `count` values, `perChannel` per output channel. */
export type WeightsOf<T> = (rng: Rng, count: number, perChannel: number, t: T) => { weights: QWeights; pot?: PotWeights };

export interface ConvCase {
  n?: number; c: number; h: number; w: number; m: number;
  kh?: number; kw?: number; stride?: [number, number];
  pads?: [number, number, number, number]; // top, left, bottom, right
  dilation?: [number, number]; group?: number;
  zx?: number; zy?: number;
  scale?: Scale;
  relu?: boolean; qmin?: number; qmax?: number;
  /** every x = xFill; every weight = wFill */
  xFill?: number; wFill?: number;
}

export interface GemmCase {
  n: number; k: number; m: number; zx?: number; zy?: number;
  scale?: "typical" | "raw" | "tiny"; relu?: boolean; xFill?: number; wFill?: number;
}

export function geometryOf(t: ConvCase): Conv2dGeometry {
  const kh = t.kh ?? 3, kw = t.kw ?? 3;
  const [strideH, strideW] = t.stride ?? [1, 1];
  const [padTop, padLeft, padBottom, padRight] = t.pads ?? [1, 1, 1, 1];
  const [dilationH, dilationW] = t.dilation ?? [1, 1];
  return {
    c: t.c, h: t.h, w: t.w, m: t.m, kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight,
    dilationH, dilationW, group: t.group ?? 1,
    oh: convOutputSize(t.h, kh, strideH, padTop, padBottom, dilationH),
    ow: convOutputSize(t.w, kw, strideW, padLeft, padRight, dilationW),
  };
}

/**
 * Per-channel (mult, shift). "typical" scales the accumulator's spread (accStd) to about +-40
 * output steps, so that most outputs land inside [-128, 127] rather than on the clamp.
 */
export function requantFor(rng: Rng, m: number, scale: Scale | undefined, accStd: number): { mult: Int32Array; shift: Int32Array } {
  const mult = new Int32Array(m), shift = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    if (scale === "raw" || scale === "edge") {
      mult[i] = randInt(rng, 2 ** 30, 2 ** 31 - 1);
      shift[i] = scale === "raw" ? randInt(rng, 1, 40) : [31, 32, 33, 62][i % 4]!;
      continue;
    }
    const real = scale === "tiny" ? 2 ** -20 * (1 + rng()) : scale === "one" ? 1 - 2 ** -randInt(rng, 8, 24) : (40 / accStd) * 2 ** (2 * rng() - 1);
    const q = quantizeMultiplier(real);
    mult[i] = q.mult;
    shift[i] = q.shift;
  }
  return { mult, shift };
}

export function convLabel(t: ConvCase, extra = ""): string {
  const g = geometryOf(t);
  return `n${t.n ?? 1} ${g.h}x${g.w}x${g.c} -> ${g.oh}x${g.ow}x${g.m} k${g.kh}x${g.kw} s${g.strideH},${g.strideW} ` +
    `p${g.padTop},${g.padLeft},${g.padBottom},${g.padRight} d${g.dilationH},${g.dilationW} g${g.group}${extra}` +
    (t.zx !== undefined ? ` zx${t.zx}` : "") + (t.zy !== undefined ? ` zy${t.zy}` : "") +
    (t.scale ? ` ${t.scale}` : "") + (t.relu ? " relu" : "") + (t.qmin !== undefined || t.qmax !== undefined ? ` q[${t.qmin ?? -128},${t.qmax ?? 127}]` : "") +
    (t.xFill !== undefined ? ` x=${t.xFill}` : "") + (t.wFill !== undefined ? ` w=${t.wFill}` : "");
}

export interface LayerCase<N extends QConv | QGemm> {
  node: N;
  x: Int8Array;
  n: number;
  xq: QParams;
  yq: QParams;
}

export function makeConvCase<T extends ConvCase>(t: T, seed: number, weightsOf: WeightsOf<T>, name = convLabel(t)): LayerCase<QConv> {
  const rng = mulberry32(seed);
  const g = geometryOf(t);
  const n = t.n ?? 1;
  const k = g.kh * g.kw * (g.c / g.group);
  const { weights, pot } = weightsOf(rng, g.m * k, k, t);
  const bias = new Int32Array(g.m);
  const accStd = 74 * 74 * Math.sqrt(k); // uniform int8 values have a standard deviation of about 74
  for (let i = 0; i < g.m; i++) bias[i] = randInt(rng, -accStd, accStd);
  const xq: QParams = { scale: 0.05, zeroPoint: t.zx ?? randInt(rng, -20, 20) };
  const yq: QParams = { scale: 0.1, zeroPoint: t.zy ?? randInt(rng, -20, 20) };
  const node: QConv = {
    op: "conv", name, inputs: ["x"], outputs: ["y"], geometry: g, weights, ...(pot ? { pot } : {}),
    weightScale: new Float32Array(g.m).fill(0.01), bias, requant: requantFor(rng, g.m, t.scale ?? "typical", accStd),
    qmin: t.qmin ?? (t.relu ? yq.zeroPoint : -128), qmax: t.qmax ?? 127,
  };
  const x = new Int8Array(n * g.h * g.w * g.c);
  for (let i = 0; i < x.length; i++) x[i] = t.xFill ?? randInt(rng, -128, 127);
  return { node, x, n, xq, yq };
}

export function makeGemmCase<T extends GemmCase>(t: T, seed: number, weightsOf: WeightsOf<T>, name: string): LayerCase<QGemm> {
  const rng = mulberry32(seed);
  const { weights, pot } = weightsOf(rng, t.m * t.k, t.k, t);
  const accStd = 74 * 74 * Math.sqrt(t.k);
  const bias = new Int32Array(t.m).map(() => randInt(rng, -accStd, accStd));
  const mult = new Int32Array(t.m), shift = new Int32Array(t.m);
  for (let i = 0; i < t.m; i++) {
    if (t.scale === "raw") {
      mult[i] = randInt(rng, 2 ** 30, 2 ** 31 - 1);
      shift[i] = randInt(rng, 1, 40);
    } else {
      const q = quantizeMultiplier(t.scale === "tiny" ? 2 ** -20 * (1 + rng()) : (40 / accStd) * 2 ** (2 * rng() - 1));
      mult[i] = q.mult;
      shift[i] = q.shift;
    }
  }
  const xq: QParams = { scale: 0.1, zeroPoint: t.zx ?? randInt(rng, -20, 20) };
  const yq: QParams = { scale: 0.1, zeroPoint: t.zy ?? randInt(rng, -20, 20) };
  const node: QGemm = {
    op: "gemm", name, inputs: ["x"], outputs: ["y"], k: t.k, m: t.m, weights, ...(pot ? { pot } : {}),
    weightScale: new Float32Array(t.m), bias, requant: { mult, shift }, qmin: t.relu ? yq.zeroPoint : -128, qmax: 127,
  };
  const x = new Int8Array(t.n * t.k).map(() => t.xFill ?? randInt(rng, -128, 127));
  return { node, x, xq, yq, n: t.n };
}

/** Shapes and quantization of a layer's input and output values. */
export function valuesOf(node: QConv | QGemm, xq: QParams, yq: QParams): Map<string, QValue> {
  const [xs, ys] = node.op === "conv"
    ? [[node.geometry.h, node.geometry.w, node.geometry.c], [node.geometry.oh, node.geometry.ow, node.geometry.m]]
    : [[node.k], [node.m]];
  return new Map([["x", { name: "x", shape: xs, q: xq }], ["y", { name: "y", shape: ys, q: yq }]]);
}

export function layerRunner(e: Engine, c: LayerCase<QConv | QGemm>, kernels: PotKernels): LayerRunner {
  return new LayerRunner(e, c.node, valuesOf(c.node, c.xq, c.yq), c.n, kernels);
}

/** Plans the layer (int8 kernel, or shift-add for a PoT layer), runs it on `e`, returns its output. */
export function runLayer(e: Engine, c: LayerCase<QConv | QGemm>, kernels: PotKernels): Int8Array {
  return layerRunner(e, c, kernels).run(c.x);
}

export function reference(c: LayerCase<QConv | QGemm>): Int8Array {
  return c.node.op === "conv" ? qs8Conv2d(c.x, c.n, c.node, c.xq, c.yq) : qs8Gemm(c.x, c.n, c.node, c.xq, c.yq);
}

export function firstDiff(a: Int8Array, b: Int8Array): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `[${i}]: ${a[i]} vs reference ${b[i]}`;
  return null;
}

/** Both engines, each kernel route, equal to the reference byte for byte. */
export function expectAllMatch(engines: Engine[], c: LayerCase<QConv | QGemm>, routes: PotKernels[], want = reference(c)): void {
  for (const kernels of routes) for (const e of engines) expect(firstDiff(runLayer(e, c, kernels), want), `${e.simd ? "simd" : "scalar"} ${kernels}`).toBeNull();
}

/**
 * Repeated runs give the same bytes, interleaved with another layer on the same engine, and
 * never grow wasm memory or detach its buffer.
 */
export function expectRepeatable(e: Engine, c: LayerCase<QConv | QGemm>, other: LayerCase<QConv | QGemm>, kernels: PotKernels): void {
  const a = layerRunner(e, c, kernels), b = layerRunner(e, other, kernels);
  const bytes = e.memoryBytes;
  const buffer = e.i8View(a.output, 1).buffer;
  const first = a.run(c.x);
  b.run(other.x);
  expect(a.run(c.x)).toEqual(first);
  expect(firstDiff(first, reference(c))).toBeNull();
  expect(e.memoryBytes).toBe(bytes);
  expect(e.i8View(a.output, 1).buffer).toBe(buffer);
}

/** Planner validation and engine pointer checks every weight layer shares. */
export function expectRejections(e: Engine, c: LayerCase<QConv | QGemm>, kernels: PotKernels): void {
  const r = (node: QNode, yq = c.yq) => () => new LayerRunner(e, node, valuesOf(c.node, c.xq, yq), c.n, kernels);
  expect(r(c.node, { scale: 1, zeroPoint: 300 })).toThrow(/yq.zeroPoint/);
  expect(r({ ...c.node, weights: c.node.weights.subarray(1) } as QNode)).toThrow(/weights have/);
  expect(r({ ...c.node, qmin: 5, qmax: 4 })).toThrow(/qmin/);
  const shift = c.node.requant.shift.slice();
  shift[0] = 63;
  expect(r({ ...c.node, requant: { ...c.node.requant, shift } })).toThrow(/shift/);
  if (c.node.op === "conv") expect(r({ ...c.node, geometry: { ...c.node.geometry, oh: c.node.geometry.oh + 1 } })).toThrow(/output size/);
  const layer = layerRunner(e, c, kernels);
  const kernel = layer.step.kernel;
  const bound = layer.params;
  const run = (patch: Record<string, number>) => () => e.run(kernel, { ...bound, ...patch } as never);
  expect(run({})).not.toThrow();
  expect(run({ n: 0 })).toThrow(/n must be/);
  expect(run({ output: bound.input! + 1 })).toThrow(/overlaps/);
  expect(run({ scratch: bound.input! })).toThrow(/overlaps/);
  expect(run({ output: e.memoryBytes - 8 })).toThrow(/outside wasm memory/);
  expect(run({ zy: 128 })).toThrow(/zy/);
}

const Q0: QParams = { scale: 1, zeroPoint: 0 };

/**
 * Plans a weightless op (add, pools, copies) and runs it once on `e`: inputs copied in, output
 * pre-filled with `fill` (every byte must be written), or written in place over input `inPlace`.
 * `qs`: quantization per value name (default scale 1, zero point 0).
 */
export function runOp(e: Engine, node: QNode, n: number, inputs: Int8Array[], outBytes: number, opts: { qs?: Record<string, QParams>; inPlace?: number; fill?: number } = {}): Int8Array {
  const step = layerStep(node, (v) => opts.qs?.[v] ?? Q0);
  if (step === null) throw new Error(`${node.op} runs no kernel`);
  const ptrs = inputs.map((x) => e.alloc(x.length));
  inputs.forEach((x, i) => e.i8View(ptrs[i]!, x.length).set(x));
  const y = opts.inPlace !== undefined ? ptrs[opts.inPlace]! : e.alloc(outBytes);
  if (opts.inPlace === undefined) e.i8View(y, outBytes).fill(opts.fill ?? 99);
  const call = bindCall(step, ptrs, y, 0, 0, n);
  e.run(call.kernel, call.params);
  return e.i8View(y, outBytes).slice();
}

/** Plans `node` alone (throws what the planner rejects). */
export function planOp(node: QNode, qs: Record<string, QParams> = {}): ReturnType<typeof layerStep> {
  return layerStep(node, (v) => qs[v] ?? Q0);
}
