// The seeded fuzzer: seeds, mutation, the chain, and a tally. Used by test/fuzz/fuzz.test.ts
// (a few thousand cases in CI) and bench/fuzz.ts (100,000+ of each kind).

import { readFileSync } from 'node:fs';
import { writeQModel } from '../../src/format/qmodel.js';
import { quantizeModel } from '../../src/quant/quantize-model.js';
import { FloatModel } from '../../src/runtime/float-model.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { DEFAULT_MODEL_PATH } from '../../src/cli/io.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { mulberry32 } from '../helpers/rng.js';
import { dqChain, memoryDataset, onnxChain, type Outcome } from './chain.js';
import { mutateDq } from './mutate-dq.js';
import { mutateOnnx } from './mutate-onnx.js';

type Engine = Awaited<ReturnType<typeof loadEngine>>;

const w = (n: number, s = 0.1) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + s) * s);

/** A small net with every op the integer path lowers (conv, relu, maxpool, add, pad, slice, gap, gemm). */
export function smallNet(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
    outputs: [{ name: 'y' }],
    initializers: [
      { name: 'w1', dims: [4, 3, 3, 3], data: w(108) }, { name: 'b1', dims: [4], data: w(4, 0.3) },
      { name: 'w2', dims: [4, 4, 1, 1], data: w(16, 0.5) },
      { name: 'pads', dims: [8], data: [0, 0, 1, 1, 0, 0, 1, 1], type: 'int64' },
      { name: 'st', dims: [2], data: [1, 1], type: 'int64' }, { name: 'en', dims: [2], data: [5, 5], type: 'int64' }, { name: 'ax', dims: [2], data: [2, 3], type: 'int64' },
      { name: 'wf', dims: [10, 4], data: w(40, 0.7) }, { name: 'bf', dims: [10], data: w(10, 0.2) },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Conv', inputs: ['p1', 'w2'], outputs: ['c2'] },
      { op: 'Add', inputs: ['c2', 'p1'], outputs: ['a1'] },
      { op: 'Pad', inputs: ['a1', 'pads'], outputs: ['pd'] },
      { op: 'Slice', inputs: ['pd', 'st', 'en', 'ax'], outputs: ['sl'] },
      { op: 'GlobalAveragePool', inputs: ['sl'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'wf', 'bf'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  });
}

export function onnxSeeds(): Uint8Array[] {
  return [smallNet(), new Uint8Array(readFileSync(DEFAULT_MODEL_PATH))];
}

/** .dq seeds: each ONNX seed quantized to int8 and with every layer power-of-two. */
export async function dqSeeds(engine: Engine): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const bytes of onnxSeeds()) {
    const m = FloatModel.fromBytes(bytes);
    const shape = m.graphFor(1).inputs[0]!.shape.slice(1);
    for (const pot of ['none', 'all']) {
      const { q } = await quantizeModel(m, async () => memoryDataset(shape, 4), { calibration: 'minmax', limit: 4, pot, engine });
      out.push(writeQModel(q));
    }
  }
  return out;
}

export interface Tally {
  kind: 'onnx' | 'dq';
  seed: number;
  cases: number;
  ok: number;
  /** well-formed models over the run budget: imported and validated, not run */
  skipped: number;
  rejected: number;
  internal: number;
  unreadable: number;
  mismatch: number;
  /** cases that took over 5 s of this process's CPU time (user + system): a hang spins the CPU */
  hangs: number;
  /** the most CPU time one case took, and the longest wall time (wall time grows with the machine's load) */
  slowestMs: number;
  slowestWallMs: number;
  /** rejections by stage */
  stages: Record<string, number>;
  /** the first few failures, reproducible by case index */
  failures: { index: number; outcome: Outcome }[];
}

export interface FuzzOptions {
  kind: 'onnx' | 'dq';
  cases: number;
  seed: number;
  /** case indices [from, from + cases) of the stream (for splitting a run) */
  from?: number;
  onProgress?: (done: number, t: Tally) => void;
}

/** Runs `cases` cases; a fresh Engine every 64 cases bounds the wasm memory a case can leave behind. */
export async function fuzz(o: FuzzOptions): Promise<Tally> {
  const t: Tally = { kind: o.kind, seed: o.seed, cases: 0, ok: 0, skipped: 0, rejected: 0, internal: 0, unreadable: 0, mismatch: 0, hangs: 0, slowestMs: 0, slowestWallMs: 0, stages: {}, failures: [] };
  let engine = await loadEngine();
  const seeds = o.kind === 'onnx' ? onnxSeeds() : await dqSeeds(engine);
  const from = o.from ?? 0;
  for (let i = from; i < from + o.cases; i++) {
    if ((i - from) % 64 === 0) engine = await loadEngine();
    const rng = mulberry32((o.seed * 0x9e3779b1 + i) | 0);
    // the small net 3 times in 4 (cheap cases), the embedded MNIST ResNet (and its .dq files) otherwise
    const seed = seeds.length === 2 ? seeds[rng() < 0.75 ? 0 : 1]! : seeds[rng() < 0.75 ? Math.floor(rng() * 2) : 2 + Math.floor(rng() * 2)]!;
    const t0 = performance.now(), c0 = process.cpuUsage();
    let r: Outcome;
    try {
      const bytes = o.kind === 'onnx' ? mutateOnnx(seed, rng) : mutateDq(seed, rng);
      r = o.kind === 'onnx' ? await onnxChain(bytes, { engine }) : dqChain(bytes, { engine });
    } catch (e) {
      r = { kind: 'internal', stage: 'mutate', error: (e as Error).name, message: (e as Error).stack ?? String(e) };
    }
    const wall = performance.now() - t0, cpu = process.cpuUsage(c0), ms = (cpu.user + cpu.system) / 1000;
    t.slowestMs = Math.max(t.slowestMs, ms);
    t.slowestWallMs = Math.max(t.slowestWallMs, wall);
    if (ms > 5000) {
      t.hangs++;
      if (t.failures.length < 20) t.failures.push({ index: i, outcome: { kind: 'ok', stage: `slow: ${Math.round(ms)} ms CPU, ${Math.round(wall)} ms wall, ended ${r.kind} at ${r.stage}` } });
    }
    t.cases++;
    t[r.kind]++;
    if (r.kind === 'rejected') t.stages[r.stage] = (t.stages[r.stage] ?? 0) + 1;
    if (r.kind !== 'ok' && r.kind !== 'skipped' && r.kind !== 'rejected' && t.failures.length < 20) t.failures.push({ index: i, outcome: r });
    if (r.kind !== 'ok' && r.kind !== 'skipped' && r.kind !== 'rejected') engine = await loadEngine(); // a failed run may leave the engine in any state
    o.onProgress?.(t.cases, t);
  }
  return t;
}
