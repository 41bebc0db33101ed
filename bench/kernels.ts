// Kernel microbenchmarks with benny (benchmark.js): f32 conv, int8 conv, shift-add PoT conv on the
// ResNet-20 layer shapes, batch 1 and 32, each against its peer in the same run (scalar vs SIMD,
// int8 vs f32, shift-add vs int8). benny's JSON per suite goes to bench/results/kernels/; the
// printed tables, ratios, machine and date to bench/results/kernels.md.
//
//   npm run bench:kernels [-- f32-conv2d|qs8-conv2d|qs8-potw-conv2d]

import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { loadEngine } from "../src/runtime/wasm-loader.js";
import type { SuiteResult } from "./kernels/common.js";
import { f32Conv2d } from "./kernels/f32-conv2d.bench.js";
import { qs8Conv2d } from "./kernels/qs8-conv2d.bench.js";
import { qs8PotwConv2d } from "./kernels/qs8-potw-conv2d.bench.js";
import { machineStamp } from "./machine.js";

const SUITES = { "f32-conv2d": f32Conv2d, "qs8-conv2d": qs8Conv2d, "qs8-potw-conv2d": qs8PotwConv2d };
const only = process.argv.slice(2);
const unknown = only.filter((s) => !(s in SUITES));
if (unknown.length) throw new Error(`unknown suite(s) ${unknown.join(", ")}; known: ${Object.keys(SUITES).join(", ")}`);

const [scalar, simd] = [await loadEngine({ simd: false }), await loadEngine({ simd: true })];
const m = machineStamp();
const load = loadavg().map((x) => x.toFixed(2)).join(" / ");
const lines: string[] = [];
const log = console.log;
console.log = (...a: unknown[]) => {
  lines.push(a.join(" "));
  log(...a);
};
const results: SuiteResult[] = [];
for (const [name, run] of Object.entries(SUITES)) if (!only.length || only.includes(name)) results.push(...(await run(scalar, simd)));
console.log = log;

mkdirSync("bench/results/kernels", { recursive: true });
writeFileSync("bench/results/kernels.json", JSON.stringify({ command: "npm run bench:kernels", machine: m, loadAverageAtStart: load, results }, null, 2) + "\n");
writeFileSync("bench/results/kernels.md", [
  "# Kernel throughput on the ResNet-20 layer shapes",
  "",
  `Command: \`npm run bench:kernels\` (benny 3 / benchmark.js, at least 5 samples per case). Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node} (V8 ${m.v8}); date ${m.date}; load average at start ${load}. ` +
    "One thread; the machine is shared, so figures carry noise: compare within one table (same run). Ratios are speedups (GMAC/s of the first over the second).",
  "Raw benny results: `bench/results/kernels/*.json`; these tables as JSON: `bench/results/kernels.json`.",
  "",
  "```",
  ...lines.filter((l) => !/^(Running|Progress|Finished|Saved)/.test(l.trim())),
  "```",
  "",
].join("\n"));
