// A QExecutor whose steps run on N threads over one shared wasm memory (the threads build).
// Per batch size, each step's call is split across the threads (src/runtime/split-specs.ts),
// every part is checked once like Engine.run and written as a params struct, and the parts are
// grouped into phases: a barrier separates two steps only where a thread would read or write
// bytes another thread wrote or read since the last barrier (a conv's halo rows, a buffer the
// arena reuses), so an Add that reads exactly the rows its thread's conv wrote joins that
// conv's phase. Steps whose kernel has no split entry run whole on thread 0 between barriers.
// Every thread count gives the same bytes: each output element is computed by one call of the
// same integer kernel on the same inputs.

import { MAX_PARAMS_BYTES } from '../engine/abi.js';
import { alignUp } from '../engine/heap.js';
import { KERNELS, type Buffers, type KernelName, type KernelParams } from '../engine/kernel-specs.js';
import type { QGraph } from '../ir/qgraph.js';
import { QUANTIZE_FN, QUANTIZE_PARAMS as QP, quantizePixels } from './compute-worker.js';
import { QExecutor, type QExecutorOptions } from './q-executor.js';
import { ranges, splitCall, unpackParts, type Parts } from './split-specs.js';
import { ThreadPool } from './thread-pool.js';
import { loadSharedEngine, type SharedEngine } from './wasm-loader.js';

export interface ParallelOptions extends QExecutorOptions {
  /** threads, the calling one included (1: the steps run on the calling thread only) */
  threads: number;
  /** true / false: SIMD / scalar threads build; default: SIMD when supported */
  simd?: boolean;
  /** a run of n images uses at most floor(MACs(n) / minMacsPerThread) threads (default 0: always `threads`) */
  minMacsPerThread?: number;
  /**
   * Steps a buffer's bytes stay unused after its last read (src/plan/planner.ts). Default 3 for
   * batches below 2 x threads, else 0: at small batches steps split by rows, and an Add whose
   * output does not take its conv's input (nor that of the copies before it) shares the conv's
   * phase, one barrier less per residual block, for a larger arena.
   */
  reuseDelay?: number;
  /** microseconds a barrier wait spins before sleeping, and a worker between jobs (thread-pool.ts) */
  spin?: number;
  idleSpin?: number;
}

type P = Record<string, number>;
/** a kernel call, or (QUANTIZE_FN) a share of the host quantize of the input */
interface Call { kernel: KernelName | typeof QUANTIZE_FN; params: P }
interface Job { participants: number; phases: Call[][][] }
type Span = [number, number];

const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];
const PARAMS_STRIDE = alignUp(MAX_PARAMS_BYTES, 16);
/** calls per thread and step at most: a row split gives a partial image, whole images, a partial image */
const CALLS_PER_PART = 3;

function spans(c: Call): { r: Span[]; w: Span[] } {
  if (c.kernel === QUANTIZE_FN) throw new Error('spans: the host quantize is a phase of its own');
  const b = (KERNELS[c.kernel].buffers as (p: P) => Buffers)(c.params);
  const s = (fields: [string, number][]): Span[] => fields.filter(([, n]) => n > 0).map(([f, n]) => [c.params[f]!, c.params[f]! + n]);
  const w = s(b.writes);
  if (b.scratch > 0) w.push([c.params.scratch!, c.params.scratch! + b.scratch]);
  return { r: s(b.reads), w };
}

const overlaps = (a: Span[], b: Span[]) => a.some(([x0, x1]) => b.some(([y0, y1]) => x0 < y1 && y0 < x1));

/** True when some thread's calls in `parts` touch what another thread wrote or read in `acc` (or in `parts`). */
function conflicts(acc: { r: Span[]; w: Span[] }[], parts: { r: Span[]; w: Span[] }[]): boolean {
  for (let t = 0; t < parts.length; t++) {
    for (let u = 0; u < acc.length; u++) {
      if (u === t) continue;
      if (overlaps(parts[t]!.w, acc[u]!.r) || overlaps(parts[t]!.w, acc[u]!.w) || overlaps(parts[t]!.r, acc[u]!.w)) return true;
    }
  }
  return false;
}

/**
 * An elementwise Add cut where each thread's writes (in `acc`, the phase so far) of its `a` (or
 * `b`) input end, so each thread adds what it wrote; null when those writes are not one
 * contiguous range per thread, in thread order, covering the input.
 */
function alignedAdd(acc: { w: Span[] }[], p: P, k: number): Parts | null {
  const count = p.count!;
  for (const field of ['a', 'b']) {
    const a0 = p[field]!, cuts = [0];
    for (let t = 0; t < k && cuts.length > 0; t++) {
      const mine = (acc[t]?.w ?? []).filter(([x, y]) => x < a0 + count && y > a0).map(([x, y]): Span => [Math.max(x, a0) - a0, Math.min(y, a0 + count) - a0]).sort((u, v) => u[0] - v[0]);
      let end = cuts[t]!;
      for (const [x, y] of mine) {
        if (x > end) end = -1;
        if (end < 0) break;
        end = Math.max(end, y);
      }
      if (end < 0 || (mine.length > 0 && mine[0]![0] !== cuts[t])) cuts.length = 0;
      else cuts.push(end);
    }
    if (cuts.length === k + 1 && cuts[k] === count) {
      return Array.from({ length: k }, (_, t) => {
        const from = cuts[t]!, to = cuts[t + 1]!;
        return to > from ? [{ ...p, count: to - from, a: p.a! + from, b: p.b! + from, output: p.output! + from }] : [];
      });
    }
  }
  return null;
}

export class ParallelQExecutor extends QExecutor {
  readonly threads: number;
  /** seconds the workers took to start (module instantiation included) */
  startupSeconds = 0;
  private pool: ThreadPool | null = null;
  private readonly threadScratch: { scratch: number; unpacked: number }[] = [];
  private readonly staticDeltas: number[] = [];
  /** two regions of unpacked int16 weights, alternating by layer: a layer's share-wise unpack overlaps the layer before (split-specs.ts unpackParts) */
  private readonly unpackBuffers: number[] = [];
  private readonly paramsArea: number;
  private readonly table: number;
  private readonly maxCalls: number;
  private readonly macsPerImage: number;
  private readonly jobs = new Map<number, Job>();
  private resident = -1;
  /** float input staging (threads > 1): run() quantizes it share-wise as the job's first phase */
  private readonly staging: number = 0;
  private readonly inPer: number;
  /** images quantize() left in `staging` for the next execute() (0: none); only inside run() / runQuantized() */
  private pendingQ = 0;
  private deferQuantize = false;
  private mem32: Int32Array | null = null;

  private constructor(q: QGraph, private readonly shared: SharedEngine, maxBatch: number, private readonly opts: ParallelOptions) {
    super(q, shared.engine, maxBatch, { ...opts, reuseDelay: opts.reuseDelay ?? (opts.threads > 1 && maxBatch < 2 * opts.threads ? 3 : 0) });
    const T = opts.threads;
    if (!Number.isInteger(T) || T < 1 || T > 64) throw new Error(`threads must be an integer in [1, 64], got ${T}`);
    this.threads = T;
    const e = shared.engine;
    for (let t = 1; t < T; t++) {
      const scratch = e.alloc(this.plan.scratchBytes);
      this.threadScratch[t] = { scratch, unpacked: scratch + this.plan.unpackOffset };
      this.staticDeltas.push(e.alloc(shared.heapBase)); // this worker's copy of [0, heapBase)
    }
    if (T > 1) for (let i = 0; i < 2; i++) this.unpackBuffers.push(e.alloc(this.plan.scratchBytes - this.plan.unpackOffset));
    this.inPer = q.input.shape.reduce((p, d) => p * d, 1);
    if (T > 1) this.staging = e.alloc(4 * maxBatch * this.inPer);
    this.maxCalls = 2 * this.calls.length * (T * CALLS_PER_PART + 1) + T;
    this.paramsArea = e.alloc(this.maxCalls * PARAMS_STRIDE);
    this.table = e.alloc(4 * (1 + 2 * (2 * this.calls.length + 1) * T + 2 * this.maxCalls));
    const u8 = new Uint8Array(shared.memory.buffer); // after the last alloc: memory no longer grows
    for (const d of this.staticDeltas) u8.copyWithin(d, 0, shared.heapBase);
    this.macsPerImage = this.plan.steps.reduce((s, st) => s + (st.node.op === 'conv' ? st.node.weights.length * st.node.geometry.oh * st.node.geometry.ow : st.node.op === 'gemm' ? st.node.weights.length : 0), 0);
  }

  /** Loads the threads build, plans `q` for batches up to `maxBatch` and starts threads - 1 workers. */
  static async create(q: QGraph, maxBatch: number, opts: ParallelOptions): Promise<ParallelQExecutor> {
    const shared = await loadSharedEngine({ simd: opts.simd });
    const ex = new ParallelQExecutor(q, shared, maxBatch, opts);
    if (ex.threads > 1) {
      const t0 = performance.now();
      const mainFns = [...KERNEL_NAMES.map((k) => shared.engine.kernelFn(k)), (p: number) => quantizePixels(shared.memory.buffer, p)];
      ex.pool = await ThreadPool.create({
        module: shared.module, memory: shared.memory, threads: ex.threads, fnNames: [...KERNEL_NAMES.map((k) => KERNELS[k].fn), QUANTIZE_FN], mainFns, staticDeltas: ex.staticDeltas, spin: opts.spin, idleSpin: opts.idleSpin,
      });
      ex.startupSeconds = (performance.now() - t0) / 1000;
    }
    return ex;
  }

  /** True when the kernels are the SIMD build. */
  get simd(): boolean {
    return this.shared.engine.simd;
  }

  /** Threads a run of n images uses. */
  participants(n: number): number {
    const min = this.opts.minMacsPerThread ?? 0;
    const byWork = min > 0 ? Math.max(1, Math.floor((this.macsPerImage * n) / min)) : Infinity;
    return this.pool === null ? 1 : Math.min(this.threads, byWork);
  }

  /** Barriers a run() of n images passes (its phases, the input's quantize one of them; runInt8: one fewer; 0 on one thread). */
  barriers(n: number): number {
    this.checkBatch(n);
    const k = this.participants(n);
    if (k === 1) return 0;
    return this.job(n, k, true).phases.length;
  }

  /** Barrier waits so far that slept (ThreadPool.sleeps; 0 on one thread). */
  get sleeps(): number {
    return this.pool?.sleeps ?? 0;
  }

  override run(x: Float32Array, n: number): Float32Array[] {
    this.deferQuantize = true;
    try {
      return super.run(x, n);
    } finally {
      this.deferQuantize = false;
      this.pendingQ = 0;
    }
  }

  override runQuantized(x: Float32Array, n: number): Int8Array[] {
    this.deferQuantize = true;
    try {
      return super.runQuantized(x, n);
    } finally {
      this.deferQuantize = false;
      this.pendingQ = 0;
    }
  }

  /**
   * Within run() / runQuantized() on more than one thread: stages the float input in wasm memory,
   * and the execute() that follows quantizes it share-wise on every thread (its first phase, with
   * quantizeInput's arithmetic: compute-worker.ts). Called on its own: quantizes at once, here.
   */
  override quantize(x: Float32Array, n: number): void {
    this.checkBatch(n);
    this.pendingQ = 0;
    if (!this.deferQuantize || this.participants(n) === 1 || this.pool === null) return super.quantize(x, n);
    if (x.length !== n * this.inPer) throw new Error(`input has ${x.length} values, expected ${n} x ${this.inPer}`);
    this.pool.wake(); // the workers wake (a futex wake, ~50 us) while this thread copies and the job starts
    new Float32Array(this.shared.memory.buffer, this.staging, x.length).set(x);
    this.pendingQ = n;
  }

  /** Runs the steps on the input in the arena (after a staged quantize); with `time` (profiling) on the calling thread only. */
  override execute(n: number, time?: Parameters<QExecutor['execute']>[1]): void {
    this.checkBatch(n);
    const pending = this.pendingQ, k = this.participants(n);
    this.pendingQ = 0;
    if (time || k === 1 || this.pool === null || (pending !== 0 && pending !== n)) {
      if (pending !== 0) super.quantize(new Float32Array(this.shared.memory.buffer, this.staging, pending * this.inPer), pending);
      return super.execute(n, time);
    }
    const job = this.job(n, k, pending === n);
    const key = 2 * n + (pending === n ? 1 : 0);
    if (this.resident !== key) this.writeJob(job);
    this.resident = key;
    const buffer = this.shared.memory.buffer;
    if (this.mem32 === null || this.mem32.byteLength !== buffer.byteLength) this.mem32 = new Int32Array(buffer);
    this.pool.run(this.table, job.participants, this.mem32);
  }

  private job(n: number, k: number, quantize: boolean): Job {
    const key = 2 * n + (quantize ? 1 : 0);
    let job = this.jobs.get(key);
    if (!job) this.jobs.set(key, (job = this.buildJob(n, k, quantize)));
    return job;
  }

  /** For tests: makes worker `thread` exit or trap at the next run. */
  injectFault(thread: number, kind: 'exit' | 'trap'): void {
    if (!this.pool) throw new Error('injectFault: this executor runs on one thread');
    this.pool.injectFault(thread, kind);
  }

  /** Stops the workers; the executor can no longer run on more than one thread. */
  async dispose(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    await p?.dispose();
  }

  /** `p` with thread t's scratch (and unpack region, unless `shared`: a share of a layer's unpack, written where every thread reads it). */
  private forThread(p: P, t: number, shared = false): P {
    if (t === 0 || !('scratch' in p)) return p;
    const q: P = { ...p, scratch: this.threadScratch[t]!.scratch };
    if ('unpacked' in p && p.codeBits !== 0 && !shared) q.unpacked = this.threadScratch[t]!.unpacked;
    return q;
  }

  private buildJob(n: number, k: number, quantize: boolean): Job {
    const phases: Call[][][] = quantize ? [this.quantizeParts(n, k)] : [];
    let cur: Call[][] | null = null, curSplit = false;
    let acc: { r: Span[]; w: Span[] }[] = [];
    const flush = () => {
      if (cur) phases.push(cur);
      cur = null;
      acc = [];
    };
    let unpacks = 0;
    const steps: { kernel: KernelName; base: P; parts?: Parts }[] = [];
    for (const c of this.calls) {
      const base = { ...(c.params as P), [c.batchField]: n * c.perImage };
      // batches of at least k images split by image: unpacking the whole layer per thread costs less than the barriers
      // (not the first step: its share-wise unpack would be a phase of its own; each thread unpacks its own copy)
      const u = n < k && steps.length > 0 ? unpackParts(c.kernel, base, k, this.unpackBuffers[unpacks % 2] ?? 0) : null;
      if (u === null) steps.push({ kernel: c.kernel, base });
      else {
        unpacks++;
        steps.push({ kernel: c.kernel, base: u.conv, parts: u.unpack }, { kernel: c.kernel, base: u.conv });
      }
    }
    for (const c of steps) {
      const base = c.base;
      let { parts, split } = c.parts ? { parts: c.parts, split: true } : splitCall(c.kernel, base, k);
      const calls = (parts: Parts) => parts.map((ps, t) => ps.map((p) => ({ kernel: c.kernel, params: this.forThread(p, t, c.parts !== undefined) })));
      let mine = calls(parts);
      let sp = mine.map((cs) => ({ r: cs.flatMap((x) => spans(x).r), w: cs.flatMap((x) => spans(x).w) }));
      if (split && !c.parts && conflicts(sp, sp)) {
        ({ parts, split } = splitCall(c.kernel, base, 1)); // parts that touch each other: run whole
        mine = calls(parts);
        sp = mine.map((cs) => ({ r: cs.flatMap((x) => spans(x).r), w: cs.flatMap((x) => spans(x).w) }));
      }
      if (cur !== null && curSplit && split && c.kernel === 'qs8-vadd' && conflicts(acc, sp)) {
        // an Add whose cut at 16-element blocks misses where its conv's rows were cut: cut it there
        const al = alignedAdd(acc, base, k);
        const alSp = al?.map((ps) => ({ r: ps.flatMap((x) => spans({ kernel: c.kernel, params: x }).r), w: ps.flatMap((x) => spans({ kernel: c.kernel, params: x }).w) }));
        if (al && alSp && !conflicts(acc, alSp) && !conflicts(alSp, alSp)) {
          parts = al;
          mine = calls(parts);
          sp = alSp;
        }
      }
      // unsplit steps share a phase with unsplit steps only (they run in order on thread 0)
      const joins = cur !== null && (split ? curSplit && !conflicts(acc, sp) : !curSplit);
      if (!joins) flush();
      if (cur === null) {
        cur = Array.from({ length: k }, () => []);
        curSplit = split;
      }
      for (let t = 0; t < k; t++) {
        cur[t]!.push(...(mine[t] ?? []));
        acc[t] ??= { r: [], w: [] };
        acc[t]!.r.push(...(sp[t]?.r ?? []));
        acc[t]!.w.push(...(sp[t]?.w ?? []));
      }
    }
    flush();
    const e = this.shared.engine;
    for (const ph of phases) for (const cs of ph) for (const x of cs) if (x.kernel !== QUANTIZE_FN) e.check(x.kernel, x.params as KernelParams<KernelName>);
    return { participants: k, phases };
  }

  /** The host quantize of n staged images: by pixels of each image below k images, else by images. */
  private quantizeParts(n: number, k: number): Call[][] {
    const shape = this.q.input.shape, c = shape.length === 3 ? shape[0]! : 1, hw = this.inPer / c, dst = this.arena + this.plan.input;
    const part = (i0: number, m: number, p0: number, p1: number): Call[] =>
      m > 0 && p1 > p0 ? [{ kernel: QUANTIZE_FN, params: { src: this.staging + 4 * i0 * this.inPer, dst: dst + i0 * this.inPer, n: m, c, hw, p0, p1 } }] : [];
    return n < k ? ranges(hw, k).map(([p0, p1]) => part(0, n, p0, p1)) : ranges(n, k).map(([i0, i1]) => part(i0, i1 - i0, 0, hw));
  }

  private writeQuantizeParams(p: P, ptr: number): void {
    const buf = this.shared.memory.buffer, w = new Int32Array(buf, ptr, 8);
    [w[QP.SRC], w[QP.DST], w[QP.N], w[QP.C], w[QP.HW], w[QP.P0], w[QP.P1], w[QP.ZP]] = [p.src!, p.dst!, p.n!, p.c!, p.hw!, p.p0!, p.p1!, this.q.input.q.zeroPoint];
    new Float64Array(buf, ptr + QP.SCALE_BYTE, 1)[0] = this.q.input.q.scale;
  }

  private writeJob(job: Job): void {
    const e = this.shared.engine, k = job.participants;
    const words: number[] = [job.phases.length];
    const calls: number[] = [];
    const head = 1 + 2 * job.phases.length * k;
    let slot = 0;
    for (const ph of job.phases) {
      for (let t = 0; t < k; t++) {
        const cs = ph[t]!;
        words.push(head + calls.length, cs.length);
        for (const x of cs) {
          if (slot >= this.maxCalls) throw new Error(`parallel executor: more than ${this.maxCalls} calls planned`);
          const ptr = this.paramsArea + slot++ * PARAMS_STRIDE;
          if (x.kernel === QUANTIZE_FN) {
            this.writeQuantizeParams(x.params, ptr);
            calls.push(KERNEL_NAMES.length, ptr);
            continue;
          }
          e.writeParamsAt(x.kernel, x.params as KernelParams<KernelName>, ptr);
          calls.push(KERNEL_NAMES.indexOf(x.kernel), ptr);
        }
      }
    }
    const all = Int32Array.from([...words, ...calls]);
    new Int32Array(this.shared.memory.buffer, this.table, all.length).set(all);
  }
}
