// Spatial window arithmetic shared by Conv, MaxPool and AveragePool (ONNX 2-D, NCHW).
// See: onnx/docs/Operators.md, Conv / MaxPool "auto_pad" and output shape formulas.

import { fail } from './op.js';
import type { AttrReader } from './attributes.js';

export interface Window2d {
  kh: number; kw: number;
  strideH: number; strideW: number;
  dilationH: number; dilationW: number;
  /** pads as given (explicit) or resolved later from auto_pad */
  pads: [number, number, number, number]; // top, left, bottom, right
  autoPad: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  ceilMode: boolean;
}

export function parseWindow(a: AttrReader, kernel: number[] | undefined, withDilation: boolean, withCeil: boolean): Window2d {
  if (!kernel || kernel.length !== 2) fail(`kernel_shape must have 2 values (only 2-D is supported), got ${kernel ? `[${kernel}]` : 'none'}`);
  const strides = a.ints('strides', [1, 1]);
  const dil = withDilation ? a.ints('dilations', [1, 1]) : [1, 1];
  const pads = a.ints('pads', [0, 0, 0, 0]);
  const autoPad = a.string('auto_pad', 'NOTSET');
  const ceil = withCeil ? a.int('ceil_mode', 0) : 0;
  if (strides.length !== 2 || dil.length !== 2 || pads.length !== 4) fail('strides/dilations need 2 values and pads 4 (2-D only)');
  if (autoPad !== 'NOTSET' && autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER' && autoPad !== 'VALID') fail(`unknown auto_pad '${autoPad}'`);
  for (const v of [...kernel, ...strides, ...dil]) if (!(v >= 1)) fail('kernel, strides and dilations must be >= 1');
  for (const v of pads) if (!(v >= 0)) fail('pads must be >= 0');
  return {
    kh: kernel[0]!, kw: kernel[1]!, strideH: strides[0]!, strideW: strides[1]!,
    dilationH: dil[0]!, dilationW: dil[1]!,
    pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!], autoPad, ceilMode: ceil !== 0,
  };
}

export interface ResolvedWindow extends Window2d {
  oh: number; ow: number;
}

function axis(inp: number, k: number, s: number, d: number, p0: number, p1: number, mode: Window2d['autoPad'], ceil: boolean): [number, number, number] {
  const ek = (k - 1) * d + 1;
  if (mode === 'VALID') return [0, 0, Math.floor((inp - ek) / s) + 1];
  if (mode === 'SAME_UPPER' || mode === 'SAME_LOWER') {
    const out = Math.ceil(inp / s);
    const total = Math.max(0, (out - 1) * s + ek - inp);
    const small = Math.floor(total / 2);
    return mode === 'SAME_UPPER' ? [small, total - small, out] : [total - small, small, out];
  }
  const span = inp + p0 + p1 - ek;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // ceil_mode: the last window must start inside the input or left padding.
  if (ceil && (out - 1) * s >= inp + p0) out--;
  return [p0, p1, out];
}

export function resolveWindow(w: Window2d, h: number, wd: number): ResolvedWindow {
  const [pt, pb, oh] = axis(h, w.kh, w.strideH, w.dilationH, w.pads[0], w.pads[2], w.autoPad, w.ceilMode);
  const [pl, pr, ow] = axis(wd, w.kw, w.strideW, w.dilationW, w.pads[1], w.pads[3], w.autoPad, w.ceilMode);
  if (oh < 1 || ow < 1) fail(`window ${w.kh}x${w.kw} does not fit a ${h}x${wd} input`);
  return { ...w, pads: [pt, pl, pb, pr], oh, ow };
}
