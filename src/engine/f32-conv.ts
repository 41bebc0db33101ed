// The float32 conv path (calibration, bias correction, the float executor): copies tensors into
// one reused region of wasm memory, runs f32_conv2d (f32_dwconv2d for depthwise: group == c ==
// m, the same bytes about 5x faster than im2col with K = kh * kw), copies the output back.

import { ABI_CONSTANTS } from './abi.js';
import { checkInt, validateWindow } from './conv-geometry.js';
import { ALIGN, EXTRA_BYTES, alignUp } from './heap.js';
import { f32DwPlane, type KernelParams } from './kernel-specs.js';

/** The part of Engine used here (declared here so that engine.ts can import this file). */
export interface F32ConvHost {
  workRegion(bytes: number): number;
  f32(): Float32Array;
  run<K extends 'f32-conv2d' | 'f32-dwconv2d'>(kernel: K, p: KernelParams<K>): void;
}

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

/** Packed im2col tile budget: small enough to stay in L2 next to the weights. */
const TILE_BYTES = 64 * 1024;
const PANEL_COLS = ABI_CONSTANTS.F32_PANEL_COLS;

function checkLength(name: string, array: Float32Array, expected: number): void {
  if (array.length !== expected) throw new Error(`conv2dF32: ${name} has ${array.length} elements, expected ${expected}`);
}

export function conv2dF32(e: F32ConvHost, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dF32Shape, out?: Float32Array): Float32Array {
  checkInt('conv2dF32', 'n', p.n, 1, 2 ** 30);
  validateWindow('conv2dF32', p);
  const kdim = (p.c / p.group) * p.kh * p.kw;
  const pixels = p.oh * p.ow;
  const outLength = p.n * p.m * pixels;
  checkLength('x', x, p.n * p.c * p.h * p.w);
  checkLength('w', w, p.m * kdim);
  if (bias !== null) checkLength('bias', bias, p.m);
  const y = out ?? new Float32Array(outLength);
  checkLength('out', y, outLength);

  const depthwise = p.group === p.c && p.m === p.c;
  const tileP = Math.min(alignUp(pixels, PANEL_COLS), Math.max(PANEL_COLS, Math.floor(TILE_BYTES / (kdim * 4 * PANEL_COLS)) * PANEL_COLS));
  const [hp, wp] = f32DwPlane(p);
  const scratchBytes = depthwise ? hp * wp * 4 : kdim * tileP * 4;
  // Sub-buffers of one reused region, each ALIGN-aligned and followed by EXTRA_BYTES.
  const sizes = [x.length * 4, w.length * 4, bias === null ? 0 : bias.length * 4, outLength * 4, scratchBytes];
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += alignUp(size + EXTRA_BYTES, ALIGN);
  }
  const base = e.workRegion(total);
  const [input, weight, biasPtr, output, scratch] = offsets.map((o) => base + o) as [number, number, number, number, number];
  // No alloc below this line: the view stays valid.
  const f32 = e.f32();
  f32.set(x, input >> 2);
  f32.set(w, weight >> 2);
  if (bias !== null) f32.set(bias, biasPtr >> 2);
  const common = {
    input, weight, bias: bias === null ? 0 : biasPtr, output, scratch, n: p.n, c: p.c, h: p.h, w: p.w, kh: p.kh, kw: p.kw,
    strideH: p.strideH, strideW: p.strideW, padTop: p.padTop, padLeft: p.padLeft, dilationH: p.dilationH, dilationW: p.dilationW, oh: p.oh, ow: p.ow,
  };
  if (depthwise) e.run('f32-dwconv2d', common);
  else e.run('f32-conv2d', { ...common, m: p.m, group: p.group, tileP });
  y.set(e.f32().subarray(output >> 2, (output >> 2) + outLength));
  return y;
}
