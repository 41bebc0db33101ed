// The engine: one wasm kernel module instance, its memory, and one checked call per kernel.
// It knows pointers, params structs and exports only (no IR types): what to run and with which
// packed weights is decided by the planner (src/plan/), and the executor (src/runtime/) runs it.

import { checkAbi, MAX_PARAMS_BYTES, writeParams } from './abi.js';
import { conv2dF32, type Conv2dF32Shape } from './f32-conv.js';
import { clampF32 } from './f32-clamp.js';
import { rangeF32, type F32Range } from './f32-range.js';
import { reluF32 } from './f32-relu.js';
import { ALIGN, EXTRA_BYTES, Heap, type WasmMemory } from './heap.js';
import { KERNELS, type Buffers, type KernelName, type KernelParams } from './kernel-specs.js';

export type { Conv2dF32Shape } from './f32-conv.js';
export type { F32Range } from './f32-range.js';
export { convOutputSize } from './conv-geometry.js';

type KernelFn = (params: number) => void;

let nextEngineId = 1;

export class Engine {
  /** True when this instance runs build/simd.wasm. */
  readonly simd: boolean;
  readonly id = nextEngineId++;
  private readonly heap: Heap;
  private readonly fns = new Map<string, KernelFn>();
  /** One params struct area shared by every call (calls never overlap). */
  private readonly params: number;
  /** A region reused by conv2dF32 (grown only for a larger call). */
  private work = 0;
  private workBytes = 0;
  private view32: Int32Array | null = null;

  /** `instance`: a WebAssembly.Instance of build/scalar.wasm or build/simd.wasm (see src/runtime/wasm-loader.ts). */
  constructor(instance: { readonly exports: object }, simd: boolean) {
    const exports = instance.exports as Record<string, unknown>;
    const memory = exports.memory as WasmMemory | undefined;
    const heapBase = exports.HEAP_BASE as { value?: number } | undefined;
    const shared = typeof SharedArrayBuffer === 'function' && memory?.buffer instanceof SharedArrayBuffer; // threads builds
    if (!(memory?.buffer instanceof ArrayBuffer || shared) || typeof heapBase?.value !== 'number') throw new Error('Engine: the wasm instance lacks the doubleq kernel exports');
    for (const spec of Object.values(KERNELS)) {
      const fn = exports[spec.fn];
      if (typeof fn !== 'function') throw new Error(`Engine: the wasm instance lacks the kernel export ${spec.fn}`);
      // the loader wraps each export in an argument-count shim: call the export itself
      this.fns.set(spec.fn, ((fn as { original?: KernelFn }).original ?? fn) as KernelFn);
    }
    checkAbi(exports);
    this.simd = simd;
    this.heap = new Heap(memory, heapBase.value);
    this.params = this.heap.alloc(MAX_PARAMS_BYTES);
  }

  /** Bytes of wasm memory reserved so far (kept and reused by later calls). */
  get memoryBytes(): number {
    return this.heap.capacity;
  }

  /** Bytes handed out by alloc() so far, padding included: the engine's own allocation count. */
  get allocatedBytes(): number {
    return this.heap.used;
  }

  /**
   * Reserves `bytes` of wasm memory (16-byte aligned, followed by EXTRA_BYTES of padding) and
   * returns its byte offset. Never freed individually.
   */
  alloc(bytes: number): number {
    return this.heap.alloc(bytes);
  }

  /** A fresh Int8Array over wasm memory (take a new one after any alloc: memory may grow). */
  i8View(ptr: number, length: number): Int8Array {
    this.checkRange('i8View', 'view', ptr, length, 0);
    return new Int8Array(this.heap.memory.buffer, ptr, length);
  }

  /** Copies `bytes` to wasm memory at `ptr`. */
  write(ptr: number, bytes: Uint8Array): void {
    this.checkRange('write', 'bytes', ptr, bytes.length, 0);
    new Uint8Array(this.heap.memory.buffer).set(bytes, ptr);
  }

  /** Fresh typed views for host-side copies (valid until the next alloc). */
  f32(): Float32Array {
    return this.heap.f32();
  }

  /** A region of `bytes` reused by later calls of the f32 path (grown only when a call needs more). */
  workRegion(bytes: number): number {
    if (bytes > this.workBytes) {
      this.work = this.heap.alloc(bytes);
      this.workBytes = bytes;
    }
    return this.work;
  }

  private i32(): Int32Array {
    const buffer = this.heap.memory.buffer;
    if (this.view32 === null || this.view32.buffer !== buffer) this.view32 = new Int32Array(buffer);
    return this.view32;
  }

  /** Throws unless [ptr, ptr + bytes + extra) lies in the allocatable part of wasm memory. */
  private checkRange(op: string, name: string, ptr: number, bytes: number, extra = EXTRA_BYTES): void {
    const end = this.heap.memory.buffer.byteLength;
    if (!Number.isInteger(ptr) || ptr < ALIGN || !Number.isInteger(bytes) || bytes < 0 || ptr + bytes + extra > end) {
      throw new Error(`${op}: ${name} [${ptr}, ${ptr} + ${bytes}) (+${extra} padding) is outside wasm memory (${end} bytes)`);
    }
  }

  /**
   * Runs one kernel on `p` (every field of its params struct). Checks the batch, the value
   * ranges the kernel relies on, that every buffer lies in wasm memory and that outputs and
   * scratch overlap no other buffer (elementwise kernels: or equal an input exactly).
   */
  run<K extends KernelName>(kernel: K, p: KernelParams<K>): void {
    this.check(kernel, p);
    writeParams(this.i32(), this.params, KERNELS[kernel].struct, p);
    this.fns.get(KERNELS[kernel].fn)!(this.params);
  }

  /** The checks of run() without the call (src/runtime/parallel-executor.ts checks each thread's part once). */
  check<K extends KernelName>(kernel: K, p: KernelParams<K>): void {
    const spec = KERNELS[kernel];
    const op = kernel;
    const v = p as Record<string, number>;
    const batch = v[spec.batchField]!;
    if (!Number.isInteger(batch) || batch < 1 || batch > 2 ** 30) throw new Error(`${op}: ${spec.batchField} must be an integer in [1, ${2 ** 30}], got ${batch}`);
    for (const [field, lo, hi] of spec.ranges) {
      const x = v[field]!;
      if (!Number.isInteger(x) || x < lo || x > hi) throw new Error(`${op}: ${field} must be an integer in [${lo}, ${hi}], got ${x}`);
    }
    if ('qmin' in v && v.qmin! > v.qmax!) throw new Error(`${op}: qmin ${v.qmin} > qmax ${v.qmax}`);
    if ('codeBits' in v && ![0, 4, 5, 8].includes(v.codeBits!)) throw new Error(`${op}: codeBits must be 0, 4, 5 or 8, got ${v.codeBits}`);
    const b = (spec.buffers as (q: Record<string, number>) => Buffers)(v);
    for (const [field, bytes] of b.reads) this.checkRange(op, field, v[field]!, bytes);
    for (const [field, bytes] of b.writes) this.checkRange(op, field, v[field]!, bytes);
    const outs: [string, number][] = [...b.writes];
    if (b.scratch > 0) {
      this.checkRange(op, 'scratch', v.scratch!, b.scratch, 0);
      outs.push(['scratch', b.scratch]);
    }
    for (const [w, wBytes] of outs) {
      const y = v[w]!;
      for (const [r, rBytes] of [...b.reads, ...outs]) {
        if (r === w) continue;
        const x = v[r]!;
        if (b.inPlace && w === 'output' && x === y && rBytes === wBytes) continue;
        if (x < y + wBytes && y < x + rBytes) throw new Error(`${op}: ${w} [${y}, ${y + wBytes}) overlaps ${r} [${x}, ${x + rBytes})${b.inPlace ? ' (only exact in-place is allowed)' : ''}`);
      }
    }
  }

  /** Writes the params struct of `kernel` at `ptr` (a region from alloc()) for a later call through kernelFn(). */
  writeParamsAt<K extends KernelName>(kernel: K, p: KernelParams<K>, ptr: number): void {
    this.checkRange('writeParamsAt', 'params', ptr, MAX_PARAMS_BYTES, 0);
    writeParams(this.i32(), ptr, KERNELS[kernel].struct, p);
  }

  /** The raw export of `kernel`: call it with a params pointer written by writeParamsAt() (no checks). */
  kernelFn(kernel: KernelName): KernelFn {
    return this.fns.get(KERNELS[kernel].fn)!;
  }

  /**
   * ONNX Conv in float32: y[n][m][oh][ow] = bias[m] + sum W[m][c/group][kh][kw] * x[n][c][h][w]
   * (zero padding); copies x, w, bias in and y out. Returns `out` if given, else a new array.
   */
  conv2dF32(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dF32Shape, out?: Float32Array): Float32Array {
    return conv2dF32(this, x, w, bias, p, out);
  }

  /** min / max of a float32 array and whether all of it is finite (see rangeF32 in f32-range.ts). */
  rangeF32(x: Float32Array): F32Range {
    return rangeF32(this, x);
  }

  /** ONNX Clip in float32, the same bytes as the Clip op: into `out` (may be x) or a new array. */
  clampF32(x: Float32Array, lo: number, hi: number, out?: Float32Array): Float32Array {
    return clampF32(this, x, lo, hi, out);
  }

  /** ONNX Relu in float32, the same bytes as the Relu op: into `out` (may be x) or a new array. */
  reluF32(x: Float32Array, out?: Float32Array): Float32Array {
    return reluF32(this, x, out);
  }
}
