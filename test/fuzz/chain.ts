// The whole chain one fuzz case goes through, with its outcome classified:
//   ONNX: import + passes (+ validator), float run, quantize, write .dq, read it back, integer run;
//   .dq:  read, integer run (wasm and the TS reference, which must agree byte for byte),
//         write again, read back.
// An input may be rejected by any stage with a user error (the classes the CLI maps to exit 1);
// anything else it throws is an internal error (what the CLI reports as exit 70).
// No vitest imports: bench/fuzz.ts runs this too.

import type { Batch, Dataset } from '../../src/data/dataset.js';
import { readQModel, writeQModel } from '../../src/format/qmodel.js';
import type { Graph } from '../../src/ir/graph.js';
import type { QGraph } from '../../src/ir/qgraph.js';
import { f32, sizeOf } from '../../src/ir/tensor.js';
import { quantizeModel } from '../../src/quant/quantize-model.js';
import { F32Executor } from '../../src/runtime/f32-executor.js';
import { FloatModel } from '../../src/runtime/float-model.js';
import type { loadEngine } from '../../src/runtime/wasm-loader.js';

type Engine = Awaited<ReturnType<typeof loadEngine>>;
import { QExecutor } from '../../src/runtime/q-executor.js';
import { runQReference } from '../../src/runtime/reference/q-reference-executor.js';

/** The error classes the CLI reports as a user error (exit 1), by name (robust to module moves). */
export const USER_ERRORS = new Set(['ModelError', 'FormatError', 'QuantizationError', 'CalibrationError', 'DataError', 'UsageError']);

export type Outcome =
  | { kind: 'ok'; stage: string }
  | { kind: 'skipped'; stage: string }
  | { kind: 'rejected'; stage: string; error: string; message: string }
  | { kind: 'internal'; stage: string; error: string; message: string }
  | { kind: 'unreadable'; stage: string; message: string }
  | { kind: 'mismatch'; stage: string; message: string };

class Stage {
  name = 'start';
}

function classify(stage: Stage, e: unknown): Outcome {
  const err = e as Error;
  const name = err?.name ?? typeof e;
  if (USER_ERRORS.has(name)) return { kind: 'rejected', stage: stage.name, error: name, message: err.message };
  return { kind: 'internal', stage: stage.name, error: name, message: `${err?.message ?? String(e)}\n${err?.stack ?? ''}` };
}

/** Deterministic pseudo-random images in [-1, 1). */
export function images(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    x[i] = (s / 2 ** 32) * 2 - 1;
  }
  return x;
}

/** An in-memory calibration set of `count` images of the per-image shape. */
export function memoryDataset(perImage: readonly number[], count: number, seed = 7): Dataset {
  const per = sizeOf(perImage);
  const [c = 1, h = 1, w = 1] = perImage.length === 3 ? perImage : [per, 1, 1];
  const data = images(per * count, seed);
  return {
    shape: { c, h, w },
    size: count,
    batches(batchSize: number, opts?: { limit?: number }): AsyncIterable<Batch> {
      const total = Math.min(count, opts?.limit ?? Infinity);
      return (async function* () {
        for (let i = 0; i < total; i += batchSize) {
          const k = Math.min(batchSize, total - i);
          yield { images: data.slice(i * per, (i + k) * per), labels: new Uint8Array(k), count: k };
        }
      })();
    },
  };
}

export interface ChainOptions {
  engine: Engine;
  /** calibration images (default 2) */
  calibImages?: number;
  /** skip the float and integer runs of graphs with more multiply-accumulates (keeps cases short) */
  maxMacs?: number;
}

/** Multiply-accumulates of a float graph (other ops count one per output element). */
export function graphMacs(g: Graph): number {
  let macs = 0;
  for (const n of g.nodes) {
    const out = sizeOf(g.values.get(n.outputs[0]!)?.shape ?? []);
    const w = n.inputs[1] ? g.values.get(n.inputs[1]) : undefined;
    if (n.op === 'Conv' && w) macs += out * sizeOf(w.shape.slice(1));
    else if ((n.op === 'Gemm' || n.op === 'MatMul') && w) macs += out * (w.shape[0] ?? 1);
    else macs += out;
  }
  return macs;
}

function macsOf(q: QGraph): number {
  let macs = 0;
  for (const n of q.nodes) {
    if (n.op === 'conv') macs += n.geometry.oh * n.geometry.ow * n.geometry.m * n.geometry.kh * n.geometry.kw * (n.geometry.c / n.geometry.group);
    else if (n.op === 'gemm') macs += n.k * n.m;
    else macs += sizeOf(n.op === 'add' ? [n.size] : [1]);
  }
  return macs;
}

/** Integer run on wasm and on the reference; they must agree byte for byte. */
function runInteger(q: QGraph, o: ChainOptions, stage: Stage): Outcome | undefined {
  if (macsOf(q) > (o.maxMacs ?? 4e6)) return undefined;
  stage.name = 'integer run';
  const x = images(sizeOf(q.input.shape), 11);
  const wasm = new QExecutor(q, o.engine, 1).runQuantized(x, 1);
  stage.name = 'reference run';
  const ref = runQReference(q, x, 1).quantized;
  for (let i = 0; i < wasm.length; i++) {
    const a = wasm[i]!, b = ref[i]!;
    if (a.length !== b.length || a.some((v, k) => v !== b[k])) return { kind: 'mismatch', stage: stage.name, message: `output ${i}: wasm and reference differ` };
  }
  return undefined;
}

/** ONNX bytes through the whole chain. */
export async function onnxChain(bytes: Uint8Array, o: ChainOptions): Promise<Outcome> {
  const stage = new Stage();
  try {
    stage.name = 'import';
    const model = FloatModel.fromBytes(bytes);
    const g = model.graphFor(model.fixedBatch ?? 1);
    const inp = g.inputs[0]!;
    // a well-formed but big model is not hostile: past the run budget it is checked up to here only
    if (graphMacs(g) > (o.maxMacs ?? 4e6)) return { kind: 'skipped', stage: 'import' };
    if (inp.dtype === 'float32') {
      stage.name = 'float run';
      new F32Executor(g, { engine: o.engine }).run({ [inp.name]: f32(inp.shape, images(sizeOf(inp.shape), 3)) });
    }
    stage.name = 'quantize';
    const n = o.calibImages ?? 2;
    const { q } = await quantizeModel(model, async () => memoryDataset(inp.shape.slice(1), n), { calibration: 'minmax', limit: n, engine: o.engine });
    stage.name = 'write';
    const file = writeQModel(q);
    stage.name = 'read back';
    let back: QGraph;
    try {
      back = readQModel(file);
    } catch (e) {
      return { kind: 'unreadable', stage: stage.name, message: (e as Error).message };
    }
    return (runInteger(back, o, stage)) ?? { kind: 'ok', stage: 'done' };
  } catch (e) {
    return classify(stage, e);
  }
}

/** .dq bytes through the chain. */
export function dqChain(bytes: Uint8Array, o: ChainOptions): Outcome {
  const stage = new Stage();
  try {
    stage.name = 'read';
    const q = readQModel(bytes);
    const bad = runInteger(q, o, stage);
    if (bad) return bad;
    stage.name = 'write';
    const again = writeQModel(q);
    stage.name = 'read back';
    try {
      readQModel(again);
    } catch (e) {
      return { kind: 'unreadable', stage: stage.name, message: (e as Error).message };
    }
    return { kind: 'ok', stage: 'done' };
  } catch (e) {
    return classify(stage, e);
  }
}
