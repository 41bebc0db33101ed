// --threads N of the commands that run inference: threads of one inference (src/runtime/
// parallel-executor.ts), the calling one included. Default: every core, used as far as a
// batch has work for them (MIN_MACS_PER_THREAD); 1: the one-thread executor, no workers.

import type { WeightForm } from '../plan/layer-step.js';
import { MIN_MACS_PER_THREAD } from '../api/run.js';
import type { Classifier } from '../eval/evaluate.js';
import type { QGraph } from '../ir/qgraph.js';
import { ParallelQExecutor } from '../runtime/parallel-executor.js';
import { defaultThreads } from '../runtime/thread-pool.js';
import { isSharedMemorySupported } from '../runtime/wasm-loader.js';
import { parseIntFlag, UsageError } from './io.js';

export const THREADS_HELP = 'threads of one inference of a quantized model on wasm, the main one included (default: all cores, as far as a batch has work for them; 1: no worker threads)';

export interface ThreadsChoice {
  threads: number;
  /** true when chosen by default (then capped by the work of each batch) */
  auto: boolean;
}

export async function threadsFlag(v: string | undefined): Promise<ThreadsChoice> {
  if (v === undefined) return { threads: isSharedMemorySupported() ? await defaultThreads() : 1, auto: true };
  const threads = parseIntFlag(v, '--threads');
  if (threads > 64) throw new UsageError(`--threads must be at most 64, got ${threads}`);
  if (threads > 1 && !isSharedMemorySupported()) throw new UsageError('--threads: this runtime has no shared WebAssembly memory; use --threads 1');
  return { threads, auto: false };
}

/** A quantized graph on `threads` threads (the threads build), planned for batches up to `maxBatch`; dispose() stops its workers. */
export async function threadedClassifier(q: QGraph, simd: boolean, maxBatch: number, t: ThreadsChoice, weights?: WeightForm): Promise<Classifier & { dispose(): Promise<void> }> {
  const ex = await ParallelQExecutor.create(q, maxBatch, { threads: t.threads, simd, weights, minMacsPerThread: t.auto ? MIN_MACS_PER_THREAD : 0 });
  return { inputShape: q.input.floatShape ?? q.input.shape, run: (images, n) => ex.run(images, n)[0]!, dispose: () => ex.dispose() };
}
