// qs8_qc8w_conv2d_minmax (int8 NHWC, per-channel weights) on the ResNet-20 conv shapes, scalar
// vs SIMD build, with the f32 SIMD conv of the same shapes as the peer, same run.
// int8 calls run on buffers already in wasm memory, as the executor does.
import type { QConv, QParams } from "../../src/ir/qgraph.js";
import { quantizeMultiplier } from "../../src/core/fixed-point.js";
import type { Engine } from "../../src/engine/engine.js";
import type { PotKernels } from "../../src/plan/layer-step.js";
import { LayerRunner } from "../../src/runtime/layer-runner.js";
import { BATCHES, type BenchShape, type KernelCase, kernelSuite, outSize, SHAPES, type SuiteResult } from "./common.js";
import { f32Case } from "./f32-conv2d.bench.js";

export const XQ: QParams = { scale: 0.1, zeroPoint: -3 }, YQ: QParams = { scale: 0.1, zeroPoint: -5 };

/** A conv node of the shape with deterministic weights (int8, or given int8 / PoT integer values). */
export function qconv(b: BenchShape, weights?: Int8Array | Int16Array, pot?: QConv["pot"]): QConv {
  const o = outSize(b);
  const geometry = { c: b.c, h: b.hw, w: b.hw, m: b.m, kh: 3, kw: 3, strideH: b.stride, strideW: b.stride,
    padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationH: 1, dilationW: 1, group: 1, oh: o, ow: o };
  const mult = new Int32Array(b.m), shift = new Int32Array(b.m);
  for (let i = 0; i < b.m; i++) ({ mult: mult[i], shift: shift[i] } = quantizeMultiplier(2 ** -10 * (1 + i / b.m)));
  return {
    op: "conv", name: b.name, inputs: ["x"], outputs: ["y"], geometry,
    weights: weights ?? new Int8Array(b.m * 9 * b.c).map((_, i) => Math.round(100 * Math.sin(i * 0.37))), ...(pot ? { pot } : {}),
    weightScale: new Float32Array(b.m), bias: new Int32Array(b.m).map((_, i) => 100 * i), requant: { mult, shift }, qmin: -5, qmax: 127,
  } as QConv;
}

/** The layer planned alone on `e` (weights packed, buffers in wasm memory, the input filled deterministically). */
export function runner(e: Engine, node: QConv, b: BenchShape, n: number, potKernels: PotKernels): () => void {
  const o = outSize(b);
  const values = new Map([["x", { name: "x", shape: [b.hw, b.hw, b.c], q: XQ }], ["y", { name: "y", shape: [o, o, b.m], q: YQ }]]);
  const layer = new LayerRunner(e, node, values, n, potKernels);
  const xLen = n * b.hw * b.hw * b.c;
  e.i8View(layer.inputs[0]!, xLen).set(new Int8Array(xLen).map((_, i) => Math.round(120 * Math.sin(i * 0.11))));
  return () => layer.runInPlace();
}

function qs8Case(e: Engine, variant: string, b: BenchShape, n: number): KernelCase {
  return {
    variant, shape: b,
    setup: () => runner(e, qconv(b), b, n, "int8"),
  };
}

export async function qs8Conv2d(scalar: Engine, simd: Engine): Promise<SuiteResult[]> {
  const out: SuiteResult[] = [];
  for (const n of BATCHES)
    out.push(await kernelSuite("qs8-conv2d", n, SHAPES.flatMap((b) => [qs8Case(scalar, "qs8 scalar", b, n), qs8Case(simd, "qs8 simd", b, n), f32Case(simd, "f32 simd", b, n)]),
      [["qs8 simd", "qs8 scalar"], ["qs8 simd", "f32 simd"]]));
  return out;
}
