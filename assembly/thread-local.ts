// Static temporaries (memory.data) are one region for every instance over a shared memory: in a
// threads build (one instance per thread, src/runtime/thread-pool.ts) each instance gets its own
// copy of the static data, `staticDelta` bytes from the original, set once per instance by the
// host. Kernels take the addresses of their static temporaries through threadLocal(); in the
// other builds it is the identity (ASC_FEATURE_THREADS is a compile-time constant).

let staticDelta: usize = 0;

/** Offset of this instance's copy of the static data (threads builds; ignored elsewhere). */
export function set_static_delta(delta: usize): void {
  staticDelta = delta;
}

/** This instance's address of the static temporary at `p`. */
// @ts-ignore: decorator
@inline
export function threadLocal(p: usize): usize {
  return ASC_FEATURE_THREADS ? p + staticDelta : p;
}
