// Parallel evaluation of quantized models on a fixed image set (Node only: worker_threads).
// The images live once in a SharedArrayBuffer; each worker owns a wasm engine and a slice of
// the images, receives a model as .dq bytes (or a base and its variants: sharedLogits) and
// returns its slice of the logits. With one worker, or where the compiled worker script is
// absent (running from TypeScript sources), the same work runs in-process.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../data/dataset.js';
import { writeQModel } from '../format/qmodel.js';
import type { QGraph } from '../ir/qgraph.js';
import { QExecutor } from '../runtime/q-executor.js';
import { sharedPrefixLogits, type SharedLogits } from '../runtime/shared-prefix.js';
import { loadEngine } from '../runtime/wasm-loader.js';

export interface EvalSet {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  /** per-image shape, CHW */
  shape: [number, number, number];
}

export const EVAL_BATCH = 100;

/** Reads up to `limit` images of a dataset into shared memory. */
export async function loadEvalSet(data: Dataset, limit = Infinity): Promise<EvalSet> {
  const count = Math.min(data.size, limit);
  const { c, h, w } = data.shape;
  const per = c * h * w;
  const images = new Float32Array(new SharedArrayBuffer(count * per * 4));
  const labels = new Uint8Array(new SharedArrayBuffer(count));
  let n = 0;
  for await (const b of data.batches(500, { limit: count })) {
    images.set(b.images, n * per);
    labels.set(b.labels, n);
    n += b.count;
  }
  return { images, labels, count: n, shape: [c, h, w] };
}

/** Logits of one slice [start, end) of the set: the worker's job, also run in-process. */
export async function sliceLogits(set: EvalSet, start: number, end: number, model: QGraph, ex?: QExecutor): Promise<Float32Array> {
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  const exec = ex ?? new QExecutor(model, await loadEngine(), EVAL_BATCH);
  const classes = model.outputs[0]!.shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array((end - start) * classes);
  for (let i = start; i < end; i += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, end - i);
    out.set(exec.run(set.images.subarray(i * per, (i + n) * per), n)[0]!, (i - start) * classes);
  }
  return out;
}

/** Logits of the base and of each variant on one slice: the steps the variants share with the base run once (src/runtime/shared-prefix.ts). */
export function sliceSharedLogits(set: EvalSet, start: number, end: number, base: QGraph, variants: readonly QGraph[], onBatch?: (done: number) => void): Promise<SharedLogits> {
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  return sharedPrefixLogits(() => loadEngine(), set.images.subarray(start * per, end * per), end - start, base, variants, { maxBatch: EVAL_BATCH, onBatch });
}

/** Images evaluated so far out of the set's count (each worker reports after each batch). */
export type EvalProgress = (done: number, total: number) => void;

export interface Evaluator {
  readonly set: EvalSet;
  readonly workers: number;
  /** Logits [count, classes] of a quantized model on the whole set. */
  logits(q: QGraph): Promise<Float32Array>;
  /**
   * Logits of `base` and of each variant, the same bytes as logits() of each, faster when the
   * variants differ from the base in late layers (single-layer sensitivity).
   */
  sharedLogits(base: QGraph, variants: readonly QGraph[], onProgress?: EvalProgress): Promise<SharedLogits>;
  close(): Promise<void>;
}

const WORKER_URL = new URL('./eval-worker.js', import.meta.url);

/** A request to the workers: one model, or a base and its variants (sharedLogits). */
export interface EvalRequest {
  id: number;
  model: Uint8Array;
  variants?: Uint8Array[];
}

/** A worker's answer: its slice of each model's logits (the base first), an error, or images done so far. */
export type EvalReply = { id: number; logits: Float32Array[] } | { id: number; error: string } | { id: number; done: number };

interface Pending {
  parts: (Float32Array[] | undefined)[];
  done: number[];
  left: number;
  resolve: (v: Float32Array[]) => void;
  reject: (e: Error) => void;
  onProgress?: EvalProgress;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of parts) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

export async function createEvaluator(set: EvalSet, workers = availableParallelism()): Promise<Evaluator> {
  const n = Math.max(1, Math.min(workers, Math.ceil(set.count / EVAL_BATCH)));
  if (n === 1 || !existsSync(fileURLToPath(WORKER_URL))) return inProcess(set);
  const bounds = Array.from({ length: n + 1 }, (_, i) => Math.round((i * set.count) / n / EVAL_BATCH) * EVAL_BATCH).map((b) => Math.min(b, set.count));
  bounds[n] = set.count;
  const pool = bounds.slice(0, n).map((start, i) => new Worker(WORKER_URL, { workerData: { set, start, end: bounds[i + 1]! } }));
  let nextId = 0;
  const pending = new Map<number, Pending>();
  pool.forEach((w, wi) => {
    w.on('message', (m: EvalReply) => {
      const p = pending.get(m.id);
      if (!p) return;
      if ('error' in m) {
        pending.delete(m.id);
        p.reject(new Error(`evaluation worker ${wi}: ${m.error}`));
      } else if ('done' in m) {
        p.done[wi] = m.done;
        try {
          p.onProgress?.(p.done.reduce((s, d) => s + d, 0), set.count);
        } catch (e) {
          pending.delete(m.id); // a callback that throws (an abort) ends the request, not the process
          p.reject(e as Error);
        }
      } else {
        p.parts[wi] = m.logits;
        if (--p.left === 0) {
          pending.delete(m.id);
          p.resolve(p.parts[0]!.map((_, k) => concat(p.parts.map((a) => a![k]!))));
        }
      }
    });
    w.on('error', (e) => {
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
  });
  const request = (req: Omit<EvalRequest, 'id'>, onProgress?: EvalProgress) => {
    const id = nextId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      pending.set(id, { parts: new Array(n), done: new Array(n).fill(0), left: n, resolve, reject, onProgress });
      for (const w of pool) w.postMessage({ ...req, id });
    });
  };
  return {
    set,
    workers: n,
    async logits(q) {
      return (await request({ model: writeQModel(q) }))[0]!;
    },
    async sharedLogits(base, variants, onProgress) {
      const [b, ...v] = await request({ model: writeQModel(base), variants: variants.map((q) => writeQModel(q)) }, onProgress);
      return { base: b!, variants: v };
    },
    async close() {
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}

function inProcess(set: EvalSet): Evaluator {
  return {
    set,
    workers: 1,
    logits: (q) => sliceLogits(set, 0, set.count, q),
    sharedLogits: (base, variants, onProgress) => sliceSharedLogits(set, 0, set.count, base, variants, (d) => onProgress?.(d, set.count)),
    close: async () => {},
  };
}
