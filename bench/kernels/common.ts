// Shared by the kernel microbenchmarks: the ResNet-20 conv shapes, and a benny suite that prints
// GMAC/s per case and the ratios against a peer case measured in the same run, and saves benny's
// JSON (bench/results/kernels/<suite>.json).
import b from "benny";
import type { Summary } from "benny/lib/internal/common-types.js";

export interface BenchShape {
  name: string; c: number; hw: number; m: number; stride: number;
}

// ResNet-20 conv layers (He et al. 2016, CIFAR variant), 3x3 pad 1.
export const SHAPES: BenchShape[] = [
  { name: "conv1 3->16 32x32", c: 3, hw: 32, m: 16, stride: 1 },
  { name: "16->16 32x32", c: 16, hw: 32, m: 16, stride: 1 },
  { name: "16->32 s2 32->16", c: 16, hw: 32, m: 32, stride: 2 },
  { name: "32->32 16x16", c: 32, hw: 16, m: 32, stride: 1 },
  { name: "32->64 s2 16->8", c: 32, hw: 16, m: 64, stride: 2 },
  { name: "64->64 8x8", c: 64, hw: 8, m: 64, stride: 1 },
];

export const BATCHES = [1, 32];

/** benchmark.js options per case: at least 5 samples, about a second each (the machine is shared). */
const CASE_OPTIONS = { minSamples: 5, maxTime: 1 };

export const outSize = (b: BenchShape) => Math.floor((b.hw + 2 - 3) / b.stride) + 1;
export const macsOf = (b: BenchShape, n: number) => n * outSize(b) ** 2 * b.m * b.c * 9;

export interface KernelCase {
  /** column name, e.g. "qs8 simd" */
  variant: string;
  shape: BenchShape;
  /** setup (packing, buffers) outside the timed region; returns the timed call */
  setup: () => () => void;
}

/** [numerator variant, denominator variant]: printed as time(denominator) / time(numerator) = speedup of the first. */
export type Ratio = [string, string];

export interface SuiteResult {
  suite: string;
  batch: number;
  rows: { shape: string; macs: number; gmacs: Record<string, number>; ratios: Record<string, number> }[];
  all: { gmacs: Record<string, number>; ratios: Record<string, number> };
}

export async function kernelSuite(suite: string, batch: number, cases: KernelCase[], ratios: Ratio[]): Promise<SuiteResult> {
  const key = (c: { variant: string; shape: BenchShape }) => `${c.shape.name} | ${c.variant}`;
  const file = `${suite}-batch${batch}`;
  const summary: Summary = await b.suite(
    `${suite}, batch ${batch}`,
    b.configure({ minDisplayPrecision: 2, cases: CASE_OPTIONS }), // ops/s to 0.01: batch-32 cases run ~10 calls/s
    ...cases.map((c) => b.add(key(c), c.setup)),
    b.complete(),
    b.save({ file, folder: "bench/results/kernels", format: "json", details: false, version: null }),
  );
  const ops = new Map(summary.results.map((r) => [r.name, r.ops]));
  const variants = [...new Set(cases.map((c) => c.variant))];
  const shapes = [...new Set(cases.map((c) => c.shape))];
  const ratioName = ([a, d]: Ratio) => `${a} / ${d}`;
  const rows = shapes.map((s) => {
    const macs = macsOf(s, batch);
    const gmacs = Object.fromEntries(variants.map((v) => [v, (ops.get(key({ variant: v, shape: s }))! * macs) / 1e9]));
    return { shape: s.name, macs, gmacs, ratios: Object.fromEntries(ratios.map((r) => [ratioName(r), gmacs[r[0]]! / gmacs[r[1]]!])) };
  });
  // all shapes: total MACs over the sum of the times per call
  const total = rows.reduce((t, r) => t + r.macs, 0);
  const allG = Object.fromEntries(variants.map((v) => [v, total / 1e9 / rows.reduce((t, r) => t + r.macs / 1e9 / r.gmacs[v]!, 0)]));
  const result: SuiteResult = { suite, batch, rows, all: { gmacs: allG, ratios: Object.fromEntries(ratios.map((r) => [ratioName(r), allG[r[0]]! / allG[r[1]]!])) } };
  printSuite(result, variants, ratios.map(ratioName));
  return result;
}

function printSuite(r: SuiteResult, variants: string[], ratios: string[]): void {
  const head = ["shape", "MMAC", ...variants.map((v) => `${v} GMAC/s`), ...ratios];
  const body = [...r.rows.map((row) => [row.shape, (row.macs / 1e6).toFixed(1), ...variants.map((v) => row.gmacs[v]!.toFixed(2)), ...ratios.map((k) => `${row.ratios[k]!.toFixed(2)}x`)]),
    ["all shapes", (r.rows.reduce((t, x) => t + x.macs, 0) / 1e6).toFixed(1), ...variants.map((v) => r.all.gmacs[v]!.toFixed(2)), ...ratios.map((k) => `${r.all.ratios[k]!.toFixed(2)}x`)]];
  const w = head.map((h, i) => Math.max(h.length, ...body.map((x) => x[i]!.length)));
  console.log(`\n${r.suite}, batch ${r.batch} (benny; GMAC/s = MACs of the ONNX Conv, padding included, x calls/s)`);
  for (const x of [head, ...body]) console.log(x.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join("  "));
}
