// Typed host bindings of the wasm kernels: one Engine per wasm instance, one method per
// exported kernel, one init function per params struct (layouts: assembly/abi.ts).
import { Heap, alignUp, type WasmMemory } from "./heap.js";

/** ONNX Conv geometry, float32 NCHW. see: https://onnx.ai/onnx/operators/onnx__Conv.html */
export interface Conv2dF32Shape {
  n: number; c: number; h: number; w: number; // input NCHW
  m: number; // output channels
  kh: number; kw: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number; padBottom: number; padRight: number;
  dilationH: number; dilationW: number;
  group: number; // c % group == 0, m % group == 0; depthwise: group == c
  oh: number; ow: number; // output spatial size (caller computes, conv2dF32 validates)
}

/** Byte offsets of the buffers a conv kernel call reads and writes (0 = absent bias). */
export interface Conv2dF32Pointers {
  input: number;
  weight: number;
  bias: number;
  output: number;
  scratch: number;
}

/** F32Conv2dParams field order (assembly/abi.ts); every field is 4 bytes: offset = 4 * index. */
export const F32_CONV2D_PARAMS_FIELDS = [
  "input", "weight", "bias", "output", "scratch",
  "n", "c", "h", "w", "m", "kh", "kw", "strideH", "strideW", "padTop", "padLeft",
  "dilationH", "dilationW", "group", "oh", "ow", "tileP",
] as const;
export const F32_CONV2D_PARAMS_SIZE = F32_CONV2D_PARAMS_FIELDS.length * 4;

/** Width of the packed im2col panels (F32_PANEL_COLS in assembly/abi.ts). */
const PANEL_COLS = 8;
/** Packed im2col tile budget: small enough to stay in L2 next to the weights. */
const TILE_BYTES = 64 * 1024;

/** The exports every doubleq wasm build provides (assembly/index.ts). */
export interface KernelExports {
  memory: WasmMemory;
  F32_CONV2D_PARAMS_SIZE: { readonly value: number };
  HEAP_BASE: { readonly value: number };
  f32_conv2d(params: number): void;
}

/** The only writer of F32Conv2dParams. `view` is a fresh Int32Array of wasm memory. */
export function initF32Conv2dParams(
  view: Int32Array,
  byteOffset: number,
  ptr: Conv2dF32Pointers,
  s: Conv2dF32Shape,
  tileP: number,
): void {
  const values: Record<(typeof F32_CONV2D_PARAMS_FIELDS)[number], number> = {
    input: ptr.input, weight: ptr.weight, bias: ptr.bias, output: ptr.output, scratch: ptr.scratch,
    n: s.n, c: s.c, h: s.h, w: s.w, m: s.m, kh: s.kh, kw: s.kw,
    strideH: s.strideH, strideW: s.strideW, padTop: s.padTop, padLeft: s.padLeft,
    dilationH: s.dilationH, dilationW: s.dilationW, group: s.group, oh: s.oh, ow: s.ow, tileP,
  };
  const base = byteOffset >> 2;
  F32_CONV2D_PARAMS_FIELDS.forEach((field, i) => {
    view[base + i] = values[field];
  });
}

/** Output size of one spatial axis (ONNX Conv, explicit pads). */
export function convOutputSize(size: number, k: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  return Math.floor((size + padBegin + padEnd - dilation * (k - 1) - 1) / stride) + 1;
}

/** Throws a descriptive Error unless `s` is a well-formed ONNX Conv geometry. */
export function validateConv2dF32Shape(s: Conv2dF32Shape): void {
  const positive = ["n", "c", "h", "w", "m", "kh", "kw", "strideH", "strideW", "dilationH", "dilationW", "group", "oh", "ow"] as const;
  for (const key of positive) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new Error(`conv2dF32: ${key} must be a positive integer, got ${s[key]}`);
  }
  for (const key of ["padTop", "padLeft", "padBottom", "padRight"] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 0) throw new Error(`conv2dF32: ${key} must be a non-negative integer, got ${s[key]}`);
  }
  if (s.c % s.group !== 0 || s.m % s.group !== 0) {
    throw new Error(`conv2dF32: group ${s.group} must divide c ${s.c} and m ${s.m}`);
  }
  const oh = convOutputSize(s.h, s.kh, s.strideH, s.padTop, s.padBottom, s.dilationH);
  const ow = convOutputSize(s.w, s.kw, s.strideW, s.padLeft, s.padRight, s.dilationW);
  if (s.oh !== oh || s.ow !== ow) {
    throw new Error(`conv2dF32: output size ${s.oh}x${s.ow} does not match the geometry, expected ${oh}x${ow}`);
  }
}

function checkLength(name: string, array: Float32Array, expected: number): void {
  if (array.length !== expected) throw new Error(`conv2dF32: ${name} has ${array.length} elements, expected ${expected}`);
}

export class Engine {
  /** True when this instance runs build/simd.wasm. */
  readonly simd: boolean;
  private readonly exports: KernelExports;
  private readonly heap: Heap;

  /** `instance`: a WebAssembly.Instance of build/scalar.wasm or build/simd.wasm (see wasm-loader.ts). */
  constructor(instance: { readonly exports: object }, simd: boolean) {
    const exports = instance.exports as Partial<KernelExports>;
    if (
      !(exports.memory?.buffer instanceof ArrayBuffer) ||
      typeof exports.f32_conv2d !== "function" ||
      exports.F32_CONV2D_PARAMS_SIZE === undefined ||
      exports.HEAP_BASE === undefined
    ) {
      throw new Error("Engine: the wasm instance lacks the doubleq kernel exports");
    }
    const wasmParamsSize = exports.F32_CONV2D_PARAMS_SIZE.value;
    if (wasmParamsSize !== F32_CONV2D_PARAMS_SIZE) {
      throw new Error(`Engine: F32Conv2dParams is ${wasmParamsSize} bytes in wasm, ${F32_CONV2D_PARAMS_SIZE} on the host`);
    }
    this.simd = simd;
    this.exports = exports as KernelExports;
    this.heap = new Heap(exports.memory, exports.HEAP_BASE.value);
  }

  /** Bytes of wasm memory reserved so far (kept and reused by later calls). */
  get memoryBytes(): number {
    return this.heap.capacity;
  }

  /**
   * ONNX Conv: y[n][m][oh][ow] = bias[m] + sum W[m][c/group][kh][kw] * x[n][c][h][w] (zero padding).
   * Returns `out` (n*m*oh*ow floats) if given, else a new array.
   */
  conv2dF32(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dF32Shape, out?: Float32Array): Float32Array {
    validateConv2dF32Shape(p);
    const kdim = (p.c / p.group) * p.kh * p.kw;
    const pixels = p.oh * p.ow;
    const outLength = p.n * p.m * pixels;
    checkLength("x", x, p.n * p.c * p.h * p.w);
    checkLength("w", w, p.m * kdim);
    if (bias !== null) checkLength("bias", bias, p.m);
    const y = out ?? new Float32Array(outLength);
    checkLength("out", y, outLength);

    const tileP = Math.min(
      alignUp(pixels, PANEL_COLS),
      Math.max(PANEL_COLS, Math.floor(TILE_BYTES / (kdim * 4 * PANEL_COLS)) * PANEL_COLS),
    );
    const heap = this.heap;
    heap.reset();
    const ptr: Conv2dF32Pointers = {
      input: heap.alloc(x.length * 4),
      weight: heap.alloc(w.length * 4),
      bias: bias === null ? 0 : heap.alloc(bias.length * 4),
      output: heap.alloc(outLength * 4),
      scratch: heap.alloc(kdim * tileP * 4),
    };
    const params = heap.alloc(F32_CONV2D_PARAMS_SIZE);

    // No alloc() below this line: the views stay valid.
    const f32 = heap.f32();
    f32.set(x, ptr.input >> 2);
    f32.set(w, ptr.weight >> 2);
    if (bias !== null) f32.set(bias, ptr.bias >> 2);
    initF32Conv2dParams(heap.i32(), params, ptr, p, tileP);
    this.exports.f32_conv2d(params);
    y.set(heap.f32().subarray(ptr.output >> 2, (ptr.output >> 2) + outLength));
    return y;
  }
}
