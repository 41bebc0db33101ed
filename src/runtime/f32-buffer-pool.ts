// Reused float32 buffers for the float executor. On this VM a fresh 10 MB Float32Array costs
// 300-400 ms (page faults and zeroing of new memory) against 0.5 ms to refill an old one, so
// every float pass (calibration, bias correction, output-aware rounding) takes its activation
// buffers from here and gives them back after their last reader. Shared by all executors of the
// process because callers create short-lived executors (one per batch). Capped: buffers given
// back beyond the cap are dropped to the garbage collector.

const DEFAULT_CAP_BYTES = 256 * 2 ** 20;

export class F32BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private freeBytes = 0;

  constructor(readonly capBytes = DEFAULT_CAP_BYTES) {}

  /** A buffer of n elements: zero-filled (as `new Float32Array(n)`) unless `zero` is false. */
  take(n: number, zero = true): Float32Array {
    const a = this.free.get(n)?.pop();
    if (!a) return new Float32Array(n);
    this.freeBytes -= a.byteLength;
    if (zero) a.fill(0);
    return a;
  }

  /** Gives back a buffer nobody reads any more (whole-buffer arrays only; views are ignored). */
  give(a: Float32Array): void {
    if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength || a.length === 0) return;
    if (this.freeBytes + a.byteLength > this.capBytes) return;
    let list = this.free.get(a.length);
    if (!list) this.free.set(a.length, (list = []));
    list.push(a);
    this.freeBytes += a.byteLength;
  }

  /** Bytes held for reuse. */
  get heldBytes(): number {
    return this.freeBytes;
  }

  /** Drops every held buffer (after a float pass, to return the memory). */
  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }
}

/** The pool F32Executor uses unless given another. */
export const SHARED_F32_POOL = new F32BufferPool();
