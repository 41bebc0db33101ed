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

/**
 * Values alive per pooled buffer during one float pass (views such as Flatten share their
 * input's buffer): a buffer goes back to the pool when its last value dies. Buffers of
 * constants and feeds (`foreign`) are never counted or given back.
 */
export class LiveBuffers {
  private readonly readers = new Map<ArrayBufferLike, number>();

  constructor(private readonly pool: F32BufferPool, private readonly foreign: ReadonlySet<ArrayBufferLike>) {}

  hold(t: { data: ArrayBufferView }): void {
    const b = t.data.buffer;
    if (t.data instanceof Float32Array && !this.foreign.has(b)) this.readers.set(b, (this.readers.get(b) ?? 0) + 1);
  }

  drop(t: { data: ArrayBufferView }): void {
    const b = t.data.buffer, r = this.readers.get(b);
    if (r === undefined) return;
    if (r > 1) this.readers.set(b, r - 1);
    else {
      this.readers.delete(b);
      this.pool.give(t.data as Float32Array);
    }
  }

  /** Whether `x` is the only live value on its buffer (an op may then write over it). */
  sole(x: Float32Array): boolean {
    return this.readers.get(x.buffer) === 1;
  }

  /** An allocator that hands out `x` itself for its own length (Relu / Clip in place), else pooled buffers. */
  overwriting(x: Float32Array): (n: number, zero?: boolean) => Float32Array {
    return (n, zero) => (n === x.length ? x : this.pool.take(n, zero));
  }
}

