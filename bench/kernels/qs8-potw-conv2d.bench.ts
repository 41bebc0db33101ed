// qs8_potw_conv2d_minmax (shift-add, power-of-two weights) against qs8_qc8w_conv2d_minmax (int8
// dot_i16x8 on the same, decoded weights), ResNet-20 conv shapes, NHWC, scalar and SIMD, same run.
// Weights: int8 100 * sin(0.37 i) PoT-coded by the `log` rule (5-bit codes); "pot simd floor"
// codes them by the `floor` rule (4-bit): the shift-add kernel's work depends on the nonzero taps
// and exponent levels per channel. Discarded routes and variants: the comment at the top of
// assembly/kernels/qs8-potw-conv2d/wasmsimd.ts.
import type { PotRounding } from "../../src/ir/qgraph.js";
import { codeBits, potValue } from "../../src/core/pot-codec.js";
import type { Engine } from "../../src/engine/engine.js";
import { BATCHES, type BenchShape, type KernelCase, kernelSuite, SHAPES, type SuiteResult } from "./common.js";
import { qconv, runner } from "./qs8-conv2d.bench.js";

function potNode(b: BenchShape, rule: PotRounding) {
  const weights = new Int16Array(b.m * 9 * b.c).map((_, i) => potValue(Math.round(100 * Math.sin(i * 0.37)), rule));
  return qconv(b, weights, { rule, bits: codeBits(rule) });
}

function potCase(e: Engine, variant: string, b: BenchShape, n: number, kernel: "int8" | "pot", rule: PotRounding = "log"): KernelCase {
  return {
    variant, shape: b,
    // "pot": the shift-add kernel on its tap lists (the fast form); "int8": the int8 kernel on the decoded weights
    setup: () => runner(e, potNode(b, rule), b, n, kernel === "int8" ? "int8" : "shift-add"),
  };
}

export async function qs8PotwConv2d(scalar: Engine, simd: Engine): Promise<SuiteResult[]> {
  const out: SuiteResult[] = [];
  for (const n of BATCHES)
    out.push(await kernelSuite("qs8-potw-conv2d", n, SHAPES.flatMap((b) => [
      potCase(scalar, "int8 scalar", b, n, "int8"), potCase(scalar, "pot scalar", b, n, "pot"),
      potCase(simd, "int8 simd", b, n, "int8"), potCase(simd, "pot simd", b, n, "pot"), potCase(simd, "pot simd floor", b, n, "pot", "floor"),
    ]), [["pot simd", "int8 simd"], ["pot scalar", "int8 scalar"]]));
  return out;
}
