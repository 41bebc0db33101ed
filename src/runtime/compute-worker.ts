// The code every compute thread runs, the main thread included (src/runtime/thread-pool.ts).
// runJob and workerMain are self-contained (they use only their arguments and globals): the
// worker's source is their text (workerSource), so Node (worker_threads, eval) and browsers (a
// Blob URL) start workers without a separate script file or bundler entry.
//
// A job is a table in wasm memory (words, from `table`), written by ParallelQExecutor:
//   [phases, units, cursors (a word index), cursor stride, scratch0, unpacked0 (TABLE_HEAD
//   words), then per thread t < k the byte delta of its scratch from scratch0, then per phase
//   and unit (first call word, call count), then the calls (CALL_WORDS each): (kernel index,
//   params pointer, word index of its `scratch` field or -1, of its field that takes the thread's
//   unpack region or -1, once)]. once >= 0: the unpack of step `once`, skipped by a thread whose
//   region holds that step's blocks (each thread unpacks a layer once, whichever units it takes);
//   ONCE_READS: a call that reads the region; ONCE_NONE: other calls (one that unpacks into the
//   region per call leaves it holding no step's blocks).
// A phase's units are cut into k home ranges, one per thread; the cursor of thread t in phase p
// (word cursors + t * stride + p: each thread's cursors on cache lines of their own) is
// front | back << 16 of what is left of t's range. A thread takes its units from the front,
// then steals the others' from the back (compare-exchange), so a thread that the machine slows
// down hands work to the others; then it waits at the barrier (a counter and a generation word
// of `ctrl`: spin briefly, then Atomics.wait). Before a call a thread writes its own scratch
// (and unpack region) into the call's params: a unit runs on whichever thread took it. An error
// in any thread sets ABORT and every thread leaves the job at its next barrier.

/** Word indices of the control block (an Int32Array over a SharedArrayBuffer); ERR_TEXT is a byte offset. */
export const CTRL = {
  EPOCH: 0, GEN: 1, ARRIVE: 2, ABORT: 3, STOP: 4, PARTICIPANTS: 5, JOB: 6, ERR_THREAD: 7, ERR_LEN: 8, FAULT: 9, FAULT_KIND: 10,
  /** SLEEPS: barrier waits that outlasted their spin (Atomics.wait), for ThreadPool.sleeps; STEALS: units run by a thread other than their home one */
  SLEEPS: 11, STEALS: 12,
  /** ACK[t]: the last epoch thread t finished; DEAD[t]: 1 once worker t has exited */
  ACK: 16, DEAD: 80, ERR_TEXT: 576, ERR_MAX: 448,
} as const;
export type CtrlLayout = typeof CTRL;
/** Bytes of the control block. */
export const CTRL_BYTES = CTRL.ERR_TEXT + CTRL.ERR_MAX;
/** Test faults (ThreadPool.injectFault): the worker exits, traps in wasm, or starts late (once the others have taken its first units), at its next job. */
export const FAULT_EXIT = 1, FAULT_TRAP = 2, FAULT_DELAY = 3;
/** Words of a job table's head, before the per-thread deltas; words per call; the once words that are no step. */
export const TABLE_HEAD = 6, CALL_WORDS = 5, ONCE_NONE = -1, ONCE_READS = -2;

type Fn = (params: number) => void;

/**
 * A thread's barrier spin budget in microseconds before Atomics.wait, adapted per wait: halved
 * down to `min` when the wait outlasted it (the other threads are descheduled: an oversubscribed
 * machine, where spinning steals their time), doubled up to `max` when it ended within it. Time,
 * not iterations, and a floor well above zero: with a budget of a few iterations every wait
 * would sleep and none would end within it to grow it back (a futex wake costs ~50 us).
 */
export interface Spin { us: number; min: number; max: number }

/** Spins up to `us` microseconds until ctrl[i] !== v: 1 when it changed, 0 at the limit, -1 when `stop()` turned true. */
export function spinUntil(ctrl: Int32Array, i: number, v: number, us: number, stop: () => boolean): number {
  const t0 = performance.now(), limit = us / 1000;
  for (let k = 1; ; k++) {
    if (Atomics.load(ctrl, i) !== v) return 1;
    if ((k & 63) === 0) {
      if (stop()) return -1;
      if (performance.now() - t0 > limit) return 0;
    }
  }
}

/** Spins, then sleeps (counted in ctrl[sleeps]), until ctrl[i] !== v; false when `stop()` turns true first. */
export function waitChange(ctrl: Int32Array, i: number, v: number, st: Spin, canWait: boolean, stop: () => boolean, sleeps: number): boolean {
  const r = spinUntil(ctrl, i, v, st.us, stop);
  if (r !== 0) {
    if (r === 1) st.us = Math.min(st.max, 2 * st.us);
    return r === 1;
  }
  st.us = Math.max(st.min, st.us / 2);
  Atomics.add(ctrl, sleeps, 1);
  while (Atomics.load(ctrl, i) === v) {
    if (stop()) return false;
    if (canWait) Atomics.wait(ctrl, i, v, 50);
  }
  return true;
}

/** Runs thread `index`'s part of the current job; false when the job was aborted (by this or another thread). */
export function runJob(ctrl: Int32Array, L: CtrlLayout, mem32: Int32Array, fns: readonly Fn[], index: number, st: Spin, canWait: boolean): boolean {
  const fail = (e: unknown): false => {
    if (Atomics.compareExchange(ctrl, L.ERR_THREAD, -1, index) === -1) {
      const text = new TextEncoder().encode(String((e as Error)?.message ?? e)).subarray(0, L.ERR_MAX);
      new Uint8Array(ctrl.buffer, L.ERR_TEXT, L.ERR_MAX).set(text);
      Atomics.store(ctrl, L.ERR_LEN, text.length);
    }
    Atomics.store(ctrl, L.ABORT, 1);
    Atomics.notify(ctrl, L.GEN);
    return false;
  };
  const k = Atomics.load(ctrl, L.PARTICIPANTS);
  const barrier = (): boolean => {
    const g = Atomics.load(ctrl, L.GEN);
    if (Atomics.add(ctrl, L.ARRIVE, 1) === k - 1) {
      Atomics.store(ctrl, L.ARRIVE, 0);
      Atomics.add(ctrl, L.GEN, 1);
      Atomics.notify(ctrl, L.GEN);
      return true;
    }
    return waitChange(ctrl, L.GEN, g, st, canWait, () => Atomics.load(ctrl, L.ABORT) !== 0, L.SLEEPS);
  };
  const table = Atomics.load(ctrl, L.JOB) >> 2;
  const phases = mem32[table]!, units = mem32[table + 1]!, cursors = mem32[table + 2]!, stride = mem32[table + 3]!; // TABLE_HEAD words
  try {
    if (Atomics.load(ctrl, L.FAULT) === index + 1) {
      const kind = Atomics.load(ctrl, L.FAULT_KIND);
      if (kind === 2 || kind === 3) Atomics.store(ctrl, L.FAULT, 0);
      if (kind === 2) fns[0]!(0x7ffffff0); // a params pointer past the end of memory: a real wasm trap
      // FAULT_DELAY, a descheduled thread: starts once the others have taken its units of the first phase (5 s at most)
      for (const t0 = performance.now(); kind === 3 && performance.now() - t0 < 5000; ) {
        const v = Atomics.load(mem32, cursors + index * stride);
        if ((v & 0xffff) >= v >>> 16) break;
      }
    }
  } catch (e) {
    return fail(e);
  }
  const scratch = mem32[table + 4]! + mem32[table + 6 + index]!, unpacked = mem32[table + 5]! + mem32[table + 6 + index]!;
  const unitTable = table + 6 + k;
  let stolen = 0, have = -1; // have: the step whose blocks this thread's unpack region holds
  for (let ph = 0; ph < phases; ph++) {
    try {
      for (let d = 0; d < k; d++) { // d = 0: this thread's range, front first; then the others', from the back
        const w = cursors + ((index + d) % k) * stride + ph;
        for (;;) {
          const v = Atomics.load(mem32, w), f = v & 0xffff, b = v >>> 16;
          if (f >= b) break;
          if (Atomics.compareExchange(mem32, w, v, d === 0 ? (f + 1) | (b << 16) : f | ((b - 1) << 16)) !== v) continue;
          const e = unitTable + 2 * (ph * units + (d === 0 ? f : b - 1));
          const end = table + mem32[e]! + 5 * mem32[e + 1]!; // CALL_WORDS per call
          for (let c = table + mem32[e]!; c < end; c += 5) {
            const sw = mem32[c + 2]!, uw = mem32[c + 3]!, once = mem32[c + 4]!;
            if (once >= 0) {
              if (once === have) continue;
              have = once;
            } else if (once === -1 && uw >= 0) have = -1; // ONCE_NONE: unpacks into the region per call
            if (sw >= 0) mem32[sw] = scratch;
            if (uw >= 0) mem32[uw] = unpacked;
            fns[mem32[c]!]!(mem32[c + 1]!);
          }
          if (d > 0) stolen++;
        }
      }
    } catch (err) {
      return fail(err);
    }
    if (stolen > 0) Atomics.add(ctrl, L.STEALS, stolen); // before the barrier: counted when run() returns
    stolen = 0;
    if (!barrier()) return false;
  }
  return true;
}

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrl: SharedArrayBuffer;
  L: CtrlLayout;
  index: number;
  /** the kernel exports, by kernel index */
  fnNames: string[];
  /** where this thread's copy of the static data starts (assembly/thread-local.ts) */
  staticDelta: number;
  /** barrier spin budget (us, Spin.max) */
  spin: number;
  /** most spin between jobs (us) before sleeping, adapted like a barrier's; a notify on EPOCH without a new job (ThreadPool.wake) starts a new spin */
  idleSpin: number;
}

/** A worker's whole life: instantiate over the shared memory, say ready, run jobs until STOP. */
export function workerMain(init: WorkerInit, post: (m: unknown) => void, onExit: (h: () => void) => void, exitNow: () => void): void {
  const { module, memory, L, index } = init;
  const st: Spin = { us: init.spin, min: init.spin / 16, max: init.spin };
  const idle: Spin = { us: init.idleSpin, min: init.idleSpin / 16, max: init.idleSpin };
  const ctrl = new Int32Array(init.ctrl);
  let fns: Fn[];
  try {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    (instance.exports.set_static_delta as Fn)(init.staticDelta);
    fns = init.fnNames.map((n) => instance.exports[n] as Fn);
  } catch (e) {
    post({ error: String((e as Error)?.message ?? e) });
    return;
  }
  onExit(() => {
    Atomics.store(ctrl, L.DEAD + index, 1);
    Atomics.store(ctrl, L.ABORT, 1);
    Atomics.notify(ctrl, L.GEN);
    Atomics.notify(ctrl, L.ACK + index);
  });
  let epoch = Atomics.load(ctrl, L.EPOCH);
  Atomics.store(ctrl, L.ACK + index, epoch);
  post({ ready: true });
  let mem32 = new Int32Array(memory.buffer);
  for (;;) {
    // between jobs: spin (back-to-back inferences), then sleep; woken without a new job: spin again.
    // Adapted like a barrier's spin: on a loaded machine the host is descheduled between jobs, and
    // spinning would only use up this thread's share (the scheduler then favours other processes).
    let slept = false;
    while (spinUntil(ctrl, L.EPOCH, epoch, idle.us, () => false) === 0) {
      slept = true;
      let w: string;
      do w = Atomics.wait(ctrl, L.EPOCH, epoch, 1000);
      while (w === 'timed-out');
    }
    idle.us = slept ? Math.max(idle.min, idle.us / 2) : Math.min(idle.max, 2 * idle.us);
    if (Atomics.load(ctrl, L.STOP) !== 0) return;
    epoch = Atomics.load(ctrl, L.EPOCH);
    if (index < Atomics.load(ctrl, L.PARTICIPANTS)) {
      if (Atomics.load(ctrl, L.FAULT) === index + 1 && Atomics.load(ctrl, L.FAULT_KIND) === 1) exitNow();
      if (mem32.buffer.byteLength !== memory.buffer.byteLength) mem32 = new Int32Array(memory.buffer);
      runJob(ctrl, L, mem32, fns, index, st, true);
    }
    Atomics.store(ctrl, L.ACK + index, epoch);
    Atomics.notify(ctrl, L.ACK + index);
  }
}

/**
 * The source of a worker: these functions and a start for Node's worker_threads (eval) or a
 * browser Worker. A minifier renames them: the start calls workerMain by its name at run time.
 */
export function workerSource(node: boolean): string {
  const main = workerMain.name;
  const start = node
    ? `const { parentPort, workerData } = require('node:worker_threads');
${main}(workerData, (m) => parentPort.postMessage(m), (h) => process.on('exit', h), () => process.exit(3));`
    : `self.onmessage = (e) => { self.onmessage = null; ${main}(e.data, (m) => self.postMessage(m), () => {}, () => { throw new Error('worker exit (test fault)'); }); };`;
  return `'use strict';\n${spinUntil.toString()}\n${waitChange.toString()}\n${runJob.toString()}\n${workerMain.toString()}\n${start}\n`;
}
