// An independent reader of `doubleq export-hw` directories, for the round-trip proof. It shares
// no code with the writer (src/hw/**, src/format/**): it parses the four text formats itself,
// decodes power-of-two codes itself (sign bit on top, magnitude 0 = zero, else 2^(mag-1)),
// and rebuilds a QGraph only for the TS integer reference to run.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QGraph, QNode, QValue } from '../../src/ir/qgraph.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

export function readManifest(dir: string): Json {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
}

/** Words (unsigned) of a .mem, .coe or .mif file. */
export function readWords(path: string): number[] {
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('.mem'))
    return text.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim()).filter((l) => l).map((l) => parseInt(l, 16));
  if (path.endsWith('.coe')) {
    const body = text.split('\n').filter((l) => !l.trim().startsWith(';')).join('\n');
    if (!/memory_initialization_radix\s*=\s*16\s*;/.test(body)) throw new Error(`${path}: radix is not 16`);
    const vec = body.split(/memory_initialization_vector\s*=/)[1]!;
    return vec.split(/[,;\s]+/).filter((t) => t).map((t) => parseInt(t, 16));
  }
  if (path.endsWith('.mif')) {
    const depth = Number(/DEPTH\s*=\s*(\d+)\s*;/.exec(text)![1]);
    const out = new Array<number>(depth).fill(NaN);
    const content = text.split(/\bBEGIN\b/)[1]!.split(/\bEND\s*;/)[0]!;
    for (const m of content.matchAll(/([0-9A-Fa-f]+)\s*:\s*([0-9A-Fa-f]+)\s*;/g)) out[parseInt(m[1]!, 16)] = parseInt(m[2]!, 16);
    if (out.some((v) => Number.isNaN(v))) throw new Error(`${path}: missing addresses`);
    return out;
  }
  throw new Error(`unknown memory format ${path}`);
}

/** Arrays of a C header by name, values as written (decimal, possibly negative). */
export function readCArrays(path: string): Map<string, number[]> {
  const text = readFileSync(path, 'utf8');
  const out = new Map<string, number[]>();
  for (const m of text.matchAll(/static const u?int\d+_t (\w+)\[(\d+)\] = \{([^}]*)\};/g)) {
    const vals = m[3]!.split(',').map((s) => s.trim()).filter((s) => s).map((s) => (s === '(-2147483647 - 1)' ? -(2 ** 31) : Number(s)));
    if (vals.length !== Number(m[2])) throw new Error(`${path}: ${m[1]} has ${vals.length} values, declares ${m[2]}`);
    out.set(m[1]!, vals);
  }
  return out;
}

export const toSigned = (w: number, bits: number) => (w >= 2 ** (bits - 1) ? w - 2 ** bits : w);

/** The reader's own power-of-two decoder. */
export function decodeCode(code: number, bits: number): number {
  const mag = code % 2 ** (bits - 1);
  if (mag === 0) return 0;
  return (code >= 2 ** (bits - 1) ? -1 : 1) * 2 ** (mag - 1);
}

/** Every file the manifest lists has its size and sha256. */
export function checkHashes(dir: string, manifest: Json): number {
  for (const f of manifest.files) {
    const b = readFileSync(join(dir, f.path));
    if (b.length !== f.bytes || createHash('sha256').update(b).digest('hex') !== f.sha256) throw new Error(`${f.path}: size or sha256 differs from manifest.json`);
  }
  return manifest.files.length;
}

/** A memory of a layer entry as signed or unsigned integers, read from one format. */
function memory(dir: string, entry: Json, format: 'mem' | 'coe' | 'mif', signed: boolean): number[] {
  const words = readWords(join(dir, entry.files[format]));
  if (words.length !== entry.words) throw new Error(`${entry.files[format]}: ${words.length} words, manifest says ${entry.words}`);
  return signed ? words.map((w) => toSigned(w, entry.wordBits)) : words;
}

/** Rebuilds the QGraph from the exported files (weights from `format`). */
export function graphFromExport(dir: string, format: 'mem' | 'coe' | 'mif' = 'mem'): QGraph {
  const man = readManifest(dir);
  const values = new Map<string, QValue>(man.values.map((v: Json) => [v.name, { name: v.name, shape: v.shape, q: { scale: v.scale, zeroPoint: v.zeroPoint } }]));
  const nodes: QNode[] = man.layers.map((l: Json): QNode => {
    const base = { name: l.name, inputs: l.inputs, outputs: [l.output] };
    switch (l.op) {
      case 'conv':
      case 'gemm': {
        const pot = l.weights.format === 'pot';
        const raw = memory(dir, l.weights, format, !pot);
        const weights = Int16Array.from(pot ? raw.map((c) => decodeCode(c, l.weights.wordBits)) : raw);
        const bias = Int32Array.from(memory(dir, l.bias, format, true));
        const requant = { mult: Int32Array.from(memory(dir, l.mult, format, false)), shift: Int32Array.from(memory(dir, l.shift, format, false)) };
        const common = { weights, weightScale: new Float32Array(bias.length), bias, requant, qmin: l.qmin, qmax: l.qmax };
        if (l.op === 'gemm') return { ...base, op: 'gemm', k: l.inFeatures, m: l.outFeatures, ...common };
        const [h, w, c] = l.inputShapes[0], [oh, ow] = l.outputShape;
        const geometry = { c, h, w, m: l.outChannels, kh: l.kernel[0], kw: l.kernel[1], strideH: l.strides[0], strideW: l.strides[1],
          padTop: l.pads.top, padLeft: l.pads.left, padBottom: l.pads.bottom, padRight: l.pads.right,
          dilationH: l.dilations[0], dilationW: l.dilations[1], group: l.group, oh, ow };
        return { ...base, op: 'conv', geometry, ...common };
      }
      case 'add': return { ...base, op: 'add', size: l.outputShape.reduce((p: number, d: number) => p * d, 1), aMult: l.aMult, bMult: l.bMult, shift: l.shift, qmin: l.qmin, qmax: l.qmax };
      case 'gavgpool': return { ...base, op: 'gavgpool', h: l.h, w: l.w, c: l.c, requant: { mult: l.mult, shift: l.shift } };
      case 'maxpool': {
        const [h, w, c] = l.inputShapes[0], [oh, ow] = l.outputShape;
        return { ...base, op: 'maxpool', geometry: { c, h, w, kh: l.kernel[0], kw: l.kernel[1], strideH: l.strides[0], strideW: l.strides[1],
          padTop: l.pads.top, padLeft: l.pads.left, padBottom: l.pads.bottom, padRight: l.pads.right, dilationH: l.dilations[0], dilationW: l.dilations[1], oh, ow } };
      }
      case 'strided-copy': return { ...base, op: 'strided-copy', inShape: l.inShape, outShape: l.outShape, start: l.start, step: l.step, lo: l.lo, hi: l.hi, fill: l.fill };
      case 'to-nchw': return { ...base, op: 'to-nchw', h: l.h, w: l.w, c: l.c };
      case 'reshape': return { ...base, op: 'reshape' };
      default: throw new Error(`unknown op ${l.op}`);
    }
  });
  const inp = man.input;
  return {
    name: man.model.name,
    input: { name: inp.name, shape: inp.shape, q: { scale: inp.scale, zeroPoint: inp.zeroPoint }, quantized: inp.value },
    outputs: man.outputs.map((o: Json) => ({ name: o.name, shape: o.shape, quantized: o.value })),
    values, nodes,
  };
}
