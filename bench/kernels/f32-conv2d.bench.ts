// f32_conv2d (NCHW) on the ResNet-20 conv shapes, scalar vs SIMD build, same run.
// The f32 API copies x in and y out (its only entry point); a few percent at these sizes.
import type { Conv2dF32Shape, Engine } from "../../src/engine/engine.js";
import { BATCHES, type BenchShape, type KernelCase, kernelSuite, outSize, SHAPES, type SuiteResult } from "./common.js";

export function f32Case(e: Engine, variant: string, b: BenchShape, n: number): KernelCase {
  return {
    variant, shape: b,
    setup: () => {
      const o = outSize(b);
      const s: Conv2dF32Shape = { n, c: b.c, h: b.hw, w: b.hw, m: b.m, kh: 3, kw: 3, strideH: b.stride, strideW: b.stride,
        padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationH: 1, dilationW: 1, group: 1, oh: o, ow: o };
      const x = new Float32Array(n * b.c * b.hw * b.hw).map((_, i) => Math.sin(i * 0.37));
      const w = new Float32Array(b.m * b.c * 9).map((_, i) => Math.cos(i * 0.21));
      const bias = new Float32Array(b.m), out = new Float32Array(n * b.m * o * o);
      return () => e.conv2dF32(x, w, bias, s, out);
    },
  };
}

export async function f32Conv2d(scalar: Engine, simd: Engine): Promise<SuiteResult[]> {
  const out: SuiteResult[] = [];
  for (const n of BATCHES)
    out.push(await kernelSuite("f32-conv2d", n, SHAPES.flatMap((b) => [f32Case(scalar, "f32 scalar", b, n), f32Case(simd, "f32 simd", b, n)]), [["f32 simd", "f32 scalar"]]));
  return out;
}
