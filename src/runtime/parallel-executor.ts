// A QExecutor whose steps run on N threads over one shared wasm memory (the threads build).
// Per batch size, each step's call is cut into units (split-specs.ts), several per thread,
// every unit checked once like Engine.run and written as a params struct, and the units are
// grouped into phases separated by barriers (src/runtime/parallel-job.ts). Within a phase each
// thread runs its own units and then steals what another thread has not started
// (compute-worker.ts): on a machine whose cores are slowed unevenly (a shared host) the phase
// ends when the work is done, not when the slowest thread's fixed share is. Every thread count
// and every schedule gives the same bytes: each output element is computed by one call of the
// same integer kernel on the same inputs.

import { ABI_STRUCTS, MAX_PARAMS_BYTES } from '../engine/abi.js';
import { alignUp } from '../engine/heap.js';
import { KERNELS, type KernelName, type KernelParams } from '../engine/kernel-specs.js';
import type { QGraph } from '../ir/qgraph.js';
import { CALL_WORDS, ONCE_NONE, ONCE_READS, TABLE_HEAD } from './compute-worker.js';
import { planPhases, type Call, type Job, type JobStep } from './parallel-job.js';
import { QExecutor, type QExecutorOptions } from './q-executor.js';
import { ownUnpack, ranges } from './split-specs.js';
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
  /** units each step is cut into per thread (default 4; 1: a fixed share per thread, nothing to steal) */
  unitsPerThread?: number;
  /** microseconds a barrier wait spins before sleeping, and a worker between jobs (thread-pool.ts) */
  spin?: number;
  idleSpin?: number;
}

type P = Record<string, number>;

const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];
const PARAMS_STRIDE = alignUp(MAX_PARAMS_BYTES, 16);
/** Units per thread by default: enough that a thread slowed to half speed hands about a quarter of its share to the others */
const UNITS_PER_THREAD = 4;

export class ParallelQExecutor extends QExecutor {
  readonly threads: number;
  /** seconds the workers took to start (module instantiation included) */
  startupSeconds = 0;
  private pool: ThreadPool | null = null;
  /** per thread, its scratch (and unpack region) minus the plan's, which thread 0 uses */
  private readonly scratchDeltas: number[] = [0];
  private readonly staticDeltas: number[] = [];
  private readonly paramsArea: number;
  private readonly table: number;
  private readonly maxCalls: number;
  /** units each step is cut into per thread (ParallelOptions.unitsPerThread) */
  readonly unitsPerThread: number;
  /** job cursors (compute-worker.ts), a cache-line aligned word index; their start values follow (the same size) */
  private readonly cursors: number;
  private readonly cursorStride: number;
  private readonly macsPerImage: number;
  private readonly jobs = new Map<number, Job>();
  private resident = -1;
  /** float input staging (threads > 1): run() quantizes it share-wise as the job's first phase */
  private readonly staging: number = 0;
  /** the input's scale (f64) and the quantize's status words (f32-qs8-to-nhwc) */
  private readonly inputConsts = { scale: 0, status: 0 };
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
    const G = (this.unitsPerThread = opts.unitsPerThread ?? UNITS_PER_THREAD);
    if (!Number.isInteger(G) || G < 1 || G > 64) throw new Error(`unitsPerThread must be an integer in [1, 64], got ${G}`);
    const e = shared.engine;
    for (let t = 1; t < T; t++) {
      this.scratchDeltas.push(e.alloc(this.plan.scratchBytes) - this.scratch);
      this.staticDeltas.push(e.alloc(shared.heapBase)); // this worker's copy of [0, heapBase)
    }
    this.inPer = q.input.shape.reduce((p, d) => p * d, 1);
    if (T > 1) {
      this.staging = e.alloc(4 * maxBatch * this.inPer);
      const consts = e.alloc(16);
      this.inputConsts = { scale: consts, status: consts + 8 };
    }
    // calls per unit and step at most: a row split over several images gives a partial image, whole
    // images, a partial image, after the layer's unpack; phases: one per step and the input's quantize
    const U = T * G, perUnit = maxBatch > 1 ? 3 : 1, maxPhases = this.calls.length + 1;
    this.maxCalls = this.calls.length * U * (perUnit + 1) + U;
    this.paramsArea = e.alloc(this.maxCalls * PARAMS_STRIDE);
    this.table = e.alloc(4 * (TABLE_HEAD + T + 2 * maxPhases * U + CALL_WORDS * this.maxCalls));
    this.cursorStride = alignUp(maxPhases, 16);
    this.cursors = alignUp(e.alloc(4 * (2 * T * this.cursorStride + 16)), 64) >> 2;
    const u8 = new Uint8Array(shared.memory.buffer); // after the last alloc: memory no longer grows
    for (const d of this.staticDeltas) u8.copyWithin(d, 0, shared.heapBase);
    if (T > 1) new Float64Array(shared.memory.buffer, this.inputConsts.scale, 1)[0] = q.input.q.scale;
    this.macsPerImage = this.plan.steps.reduce((s, st) => s + (st.node.op === 'conv' ? st.node.weights.length * st.node.geometry.oh * st.node.geometry.ow : st.node.op === 'gemm' ? st.node.weights.length : 0), 0);
  }

  /** Loads the threads build, plans `q` for batches up to `maxBatch` and starts threads - 1 workers. */
  static async create(q: QGraph, maxBatch: number, opts: ParallelOptions): Promise<ParallelQExecutor> {
    const shared = await loadSharedEngine({ simd: opts.simd });
    const ex = new ParallelQExecutor(q, shared, maxBatch, opts);
    if (ex.threads > 1) {
      const t0 = performance.now();
      const mainFns = KERNEL_NAMES.map((k) => shared.engine.kernelFn(k));
      ex.pool = await ThreadPool.create({
        module: shared.module, memory: shared.memory, threads: ex.threads, fnNames: KERNEL_NAMES.map((k) => KERNELS[k].fn), mainFns, staticDeltas: ex.staticDeltas, spin: opts.spin, idleSpin: opts.idleSpin,
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

  /** Units so far that a thread other than their home one ran (ThreadPool.steals; 0 on one thread). */
  get steals(): number {
    return this.pool?.steals ?? 0;
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
   * and the execute() that follows quantizes it share-wise on every thread (its first phase: the
   * kernel f32-qs8-to-nhwc, quantizeInput's arithmetic). Called on its own: quantizes at once, here.
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
    const m = this.mem32, c = this.cursors, len = job.participants * this.cursorStride;
    this.pool.run(this.table, job.participants, m, () => m.copyWithin(c, c + len, c + 2 * len));
    const st = this.inputConsts.status >> 2;
    if (pending !== 0 && m[st] !== 0) {
      m[st] = 0;
      throw new Error(`input contains ${new Float32Array(buffer, 4 * st + 4, 1)[0]}`);
    }
  }

  private job(n: number, k: number, quantize: boolean): Job {
    const key = 2 * n + (quantize ? 1 : 0);
    let job = this.jobs.get(key);
    if (!job) this.jobs.set(key, (job = this.buildJob(n, k, quantize)));
    return job;
  }

  /** For tests: makes worker `thread` exit, or thread `thread` trap or start late (ThreadPool.injectFault), at the next run. */
  injectFault(thread: number, kind: 'exit' | 'trap' | 'delay'): void {
    if (!this.pool) throw new Error('injectFault: this executor runs on one thread');
    this.pool.injectFault(thread, kind);
  }

  /** Stops the workers; the executor can no longer run on more than one thread. */
  async dispose(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    await p?.dispose();
  }

  private buildJob(n: number, k: number, quantize: boolean): Job {
    const U = k * this.unitsPerThread;
    const steps: JobStep[] = this.calls.map((c, key) => {
      const base = { ...(c.params as P), [c.batchField]: n * c.perImage };
      // fewer images than units: units are rows, and a thread unpacks each layer once into its
      // region for all the rows it takes; else units are whole images, each unit's conv unpacks
      // into its thread's region per call
      const u = n < U ? ownUnpack(c.kernel, base, this.scratch + this.plan.unpackOffset) : null;
      return u === null ? { kernel: c.kernel, base } : { kernel: c.kernel, base: u.conv, unpack: u.unpack, key };
    });
    const phases = planPhases(steps, U, quantize ? this.quantizeParts(n, U) : null);
    const e = this.shared.engine;
    for (const ph of phases) for (const cs of ph) for (const x of cs) e.check(x.kernel, x.params as KernelParams<KernelName>);
    return { participants: k, units: U, phases };
  }

  /** The quantize of n staged images (f32-qs8-to-nhwc) in `units` parts: by pixels of each image below that many images, else by images. */
  private quantizeParts(n: number, units: number): Call[][] {
    const shape = this.q.input.shape, c = shape.length === 3 ? shape[0]! : 1, hw = this.inPer / c, output = this.arena + this.plan.input;
    const { scale, status } = this.inputConsts, zp = this.q.input.q.zeroPoint;
    const part = (i0: number, m: number, p0: number, p1: number): Call[] =>
      m > 0 && p1 > p0 ? [{ kernel: 'f32-qs8-to-nhwc', params: { input: this.staging + 4 * i0 * this.inPer, output: output + i0 * this.inPer, scale, status, n: m, c, hw, p0, p1, zp } }] : [];
    return n < units ? ranges(hw, units).map(([p0, p1]) => part(0, n, p0, p1)) : ranges(n, units).map(([i0, i1]) => part(i0, i1 - i0, 0, hw));
  }

  /** The job's table (compute-worker.ts), its params structs and its cursors' start values. */
  private writeJob(job: Job): void {
    const e = this.shared.engine, k = job.participants, U = job.units;
    const words: number[] = [job.phases.length, U, this.cursors, this.cursorStride, this.scratch, this.scratch + this.plan.unpackOffset, ...this.scratchDeltas.slice(0, k)];
    const calls: number[] = [];
    const head = TABLE_HEAD + k + 2 * job.phases.length * U;
    let slot = 0;
    for (const ph of job.phases) {
      for (let u = 0; u < U; u++) {
        const cs = ph[u] ?? [];
        words.push(head + calls.length, cs.length);
        for (const x of cs) {
          if (slot >= this.maxCalls) throw new Error(`parallel executor: more than ${this.maxCalls} calls planned`);
          const ptr = this.paramsArea + slot++ * PARAMS_STRIDE;
          e.writeParamsAt(x.kernel, x.params as KernelParams<KernelName>, ptr);
          const f: Record<string, number> = ABI_STRUCTS[KERNELS[x.kernel].struct].fields;
          const field = (name: string | undefined) => (name !== undefined && f[name] !== undefined ? (ptr + f[name]!) >> 2 : -1);
          calls.push(KERNEL_NAMES.indexOf(x.kernel), ptr, field('scratch'), field(x.own), x.once ?? (x.own === 'packed' ? ONCE_READS : ONCE_NONE));
        }
      }
    }
    const m = new Int32Array(this.shared.memory.buffer);
    m.set(Int32Array.from([...words, ...calls]), this.table >> 2);
    // start cursors: thread t's home units are ranges(U, k)[t], front | back << 16; cursors and start values per thread
    const len = k * this.cursorStride;
    m.fill(0, this.cursors, this.cursors + 2 * len);
    ranges(U, k).forEach(([a, b], t) => {
      for (let ph = 0; ph < job.phases.length; ph++) m[this.cursors + len + t * this.cursorStride + ph] = a | (b << 16);
    });
  }
}
