// Compute threads over one shared wasm memory: threads - 1 workers (Node: worker_threads;
// browsers: Web Workers from a Blob URL) each with its own instance of the threads build, and
// the main thread as thread 0. run() starts a job (src/runtime/compute-worker.ts) and takes
// part in it; it returns when every thread has passed the job's last barrier, or throws, naming
// the thread, when a kernel trapped or a worker died (never waits forever: a worker that exits
// flags itself dead in the control block). Workers are unref'd in Node, so they never keep a
// process alive; dispose() stops and terminates them.

import { CTRL, CTRL_BYTES, FAULT_DELAY, FAULT_EXIT, FAULT_TRAP, runJob, spinUntil, workerSource, type Spin, type WorkerInit } from './compute-worker.js';

/** The part of a worker (Node Worker or Web Worker) the pool uses. */
interface WorkerHandle {
  terminate(): unknown;
  /** Node: the worker no longer keeps the process alive (called once it is ready) */
  unref(): void;
  /** ready or error messages, exit */
  listen(onMessage: (m: { ready?: boolean; error?: string }) => void, onExit: (why: string) => void): void;
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
const NODE_WORKERS = 'node:worker_threads', NODE_OS = 'node:os'; // variables: bundlers for the browser leave them alone

async function spawn(init: WorkerInit): Promise<WorkerHandle> {
  if (isNode) {
    const { Worker } = (await import(NODE_WORKERS)) as typeof import('node:worker_threads');
    const w = new Worker(workerSource(true), { eval: true, workerData: init, stdout: false, stderr: false });
    return {
      terminate: () => w.terminate(),
      unref: () => w.unref(),
      listen(onMessage, onExit) {
        w.on('message', onMessage);
        w.on('error', (e) => onExit(`error: ${e.message}`));
        w.on('exit', (code) => onExit(`exit code ${code}`));
      },
    };
  }
  const url = URL.createObjectURL(new Blob([workerSource(false)], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  w.postMessage(init);
  return {
    terminate: () => w.terminate(),
    unref: () => {},
    listen(onMessage, onExit) {
      w.onmessage = (e: MessageEvent) => onMessage(e.data as { ready?: boolean; error?: string });
      w.onerror = (e: ErrorEvent) => onExit(`error: ${e.message}`);
    },
  };
}

/** Cores of this machine: os.availableParallelism() in Node, navigator.hardwareConcurrency in browsers. */
export async function defaultThreads(): Promise<number> {
  if (isNode) return Math.max(1, Math.min(64, ((await import(NODE_OS)) as typeof import('node:os')).availableParallelism()));
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, Math.min(64, n ?? 1));
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function mayWait(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // "not-equal" where allowed, a TypeError where not
    return true;
  } catch {
    return false;
  }
}

export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** threads including the main thread (>= 2) */
  threads: number;
  /** kernel exports by kernel index (the job tables' kernel numbers) */
  fnNames: string[];
  /** the main instance's kernels, same order */
  mainFns: ((params: number) => void)[];
  /** per worker (threads - 1), where its copy of the static data starts */
  staticDeltas: number[];
  /** most microseconds a barrier wait spins before Atomics.wait (default 100; adapted down under load, compute-worker.ts) */
  spin?: number;
  /** microseconds a worker spins between jobs before it sleeps (default 1000: back-to-back inferences never wait for a futex wake) */
  idleSpin?: number;
}

export class ThreadPool {
  readonly threads: number;
  private readonly ctrl: Int32Array;
  private readonly workers: WorkerHandle[] = [];
  private readonly spin: number;
  private readonly mainSpin: Spin;
  private readonly canWait = mayWait();
  private broken: Error | null = null;
  private disposed = false;

  private constructor(private readonly o: PoolOptions) {
    this.threads = o.threads;
    this.spin = o.spin ?? 100;
    if (!(this.spin > 0) || !((o.idleSpin ?? 1) >= 0)) throw new Error('ThreadPool: spin must be > 0 and idleSpin >= 0 microseconds');
    this.mainSpin = { us: this.spin, min: this.spin / 16, max: this.spin };
    this.ctrl = new Int32Array(new SharedArrayBuffer(CTRL_BYTES));
    this.ctrl[CTRL.ERR_THREAD] = -1;
  }

  /** Starts the workers and resolves once each has instantiated the module (start-up is here, not in run()). */
  static async create(o: PoolOptions): Promise<ThreadPool> {
    if (!Number.isInteger(o.threads) || o.threads < 2 || o.threads > CTRL.DEAD - CTRL.ACK) throw new Error(`ThreadPool: threads must be an integer in [2, ${CTRL.DEAD - CTRL.ACK}], got ${o.threads}`);
    const pool = new ThreadPool(o);
    try {
      await Promise.all(Array.from({ length: o.threads - 1 }, (_, i) => pool.start(i + 1)));
    } catch (e) {
      await pool.dispose();
      throw e;
    }
    return pool;
  }

  private async start(index: number): Promise<void> {
    const { module, memory, fnNames, staticDeltas } = this.o;
    const init: WorkerInit = { module, memory, ctrl: this.ctrl.buffer as SharedArrayBuffer, L: CTRL, index, fnNames, staticDelta: staticDeltas[index - 1]!, spin: this.spin, idleSpin: this.o.idleSpin ?? 1000 };
    const w = await spawn(init);
    this.workers.push(w);
    await new Promise<void>((resolve, reject) => {
      let ready = false;
      w.listen(
        (m) => {
          if (m.ready) {
            ready = true;
            w.unref();
            resolve();
          }
          else if (m.error !== undefined) reject(new Error(`compute thread ${index} could not start: ${m.error}`));
        },
        (why) => {
          Atomics.store(this.ctrl, CTRL.DEAD + index, 1);
          Atomics.store(this.ctrl, CTRL.ABORT, 1);
          Atomics.notify(this.ctrl, CTRL.GEN);
          if (!this.disposed && this.broken === null) this.broken = new Error(`compute thread ${index} exited (${why}); create a new executor`);
          if (!ready) reject(new Error(`compute thread ${index} exited during start-up (${why})`));
        },
      );
    });
  }

  /** Barrier waits so far, on any thread, that outlasted their spin and slept (a futex wake each). */
  get sleeps(): number {
    return Atomics.load(this.ctrl, CTRL.SLEEPS);
  }

  /** Units of jobs so far that a thread other than their home one ran (stolen from a slower thread). */
  get steals(): number {
    return Atomics.load(this.ctrl, CTRL.STEALS);
  }

  /** Wakes sleeping workers without a job, so that they spin (ready) when run() comes: call it before work on this thread that precedes run(). */
  wake(): void {
    if (!this.disposed) Atomics.notify(this.ctrl, CTRL.EPOCH);
  }

  /**
   * Runs the job whose table is at byte `table` of wasm memory on threads 0..participants-1 (the
   * others stay idle); `mem32`: a view of the whole memory; `prepare` runs once no worker is in
   * a job any more (it resets the job's cursors). Throws when any thread failed.
   */
  run(table: number, participants: number, mem32: Int32Array, prepare: () => void): void {
    const c = this.ctrl;
    if (this.disposed) throw new Error('the thread pool was disposed');
    if (this.broken) throw this.broken;
    const epoch = Atomics.load(c, CTRL.EPOCH);
    this.waitIdle(epoch, 10_000);
    prepare();
    Atomics.store(c, CTRL.JOB, table);
    Atomics.store(c, CTRL.PARTICIPANTS, participants);
    Atomics.add(c, CTRL.EPOCH, 1);
    Atomics.notify(c, CTRL.EPOCH);
    const ok = runJob(c, CTRL, mem32, this.o.mainFns, 0, this.mainSpin, this.canWait);
    if (ok && Atomics.load(c, CTRL.ABORT) === 0) return;
    this.recover(epoch + 1);
  }

  /** After an abort: waits for the live workers to leave the job, resets the barrier, throws the first error. */
  private recover(epoch: number): never {
    const c = this.ctrl;
    const idle = this.waitIdle(epoch, 30_000);
    const who = Atomics.load(c, CTRL.ERR_THREAD);
    const text = new TextDecoder().decode(new Uint8Array(c.buffer, CTRL.ERR_TEXT, Atomics.load(c, CTRL.ERR_LEN)).slice());
    const dead = Array.from({ length: this.threads }, (_, t) => t).filter((t) => Atomics.load(c, CTRL.DEAD + t) === 1);
    const err = who >= 0
      ? new Error(`compute thread ${who} failed: ${text}`)
      : new Error(`compute thread ${dead.join(', ') || '?'} exited during inference`);
    if (dead.length > 0 || !idle) this.broken = new Error(`the thread pool is unusable: ${err.message}; create a new executor`);
    Atomics.store(c, CTRL.ERR_THREAD, -1);
    Atomics.store(c, CTRL.ERR_LEN, 0);
    Atomics.store(c, CTRL.ARRIVE, 0);
    Atomics.store(c, CTRL.ABORT, 0);
    throw err;
  }

  /** Waits until every live worker has finished `epoch`; false on timeout (ms). */
  private waitIdle(epoch: number, timeoutMs: number): boolean {
    const c = this.ctrl;
    const t0 = performance.now();
    for (let t = 1; t < this.threads; t++) {
      for (let first = true; Atomics.load(c, CTRL.ACK + t) !== epoch && Atomics.load(c, CTRL.DEAD + t) === 0; first = false) {
        const ack = Atomics.load(c, CTRL.ACK + t);
        if (first && spinUntil(c, CTRL.ACK + t, ack, this.spin, () => Atomics.load(c, CTRL.DEAD + t) !== 0) !== 0) continue;
        if (performance.now() - t0 > timeoutMs) return false;
        if (this.canWait) Atomics.wait(c, CTRL.ACK + t, ack, 20);
      }
    }
    return true;
  }

  /** For tests: worker `thread` exits (process.exit in Node), or thread `thread` (0: this one) traps in wasm or starts late (once the others have taken its units of the first phase), at the next job. */
  injectFault(thread: number, kind: 'exit' | 'trap' | 'delay'): void {
    const lo = kind === 'exit' ? 1 : 0;
    if (!Number.isInteger(thread) || thread < lo || thread >= this.threads) throw new Error(`injectFault: thread must be in [${lo}, ${this.threads - 1}]`);
    Atomics.store(this.ctrl, CTRL.FAULT_KIND, kind === 'exit' ? FAULT_EXIT : kind === 'trap' ? FAULT_TRAP : FAULT_DELAY);
    Atomics.store(this.ctrl, CTRL.FAULT, thread + 1);
  }

  /** Stops and terminates the workers (idempotent). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctrl, CTRL.STOP, 1);
    Atomics.add(this.ctrl, CTRL.EPOCH, 1);
    Atomics.notify(this.ctrl, CTRL.EPOCH);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
