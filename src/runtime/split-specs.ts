// How one kernel call is split across threads (src/runtime/parallel-executor.ts): per kernel,
// a function from a bound params struct to each thread's calls, every call a copy of the params
// with pointers and sizes narrowed to a disjoint part of the output. Integer kernels compute
// every output element on its own, so the parts give the same bytes as the whole call.
// Kernels without an entry (and new kernels until they get one) run whole on thread 0, alone
// between two barriers: the safe default. A kernel with an entry must keep its temporaries in
// `scratch` or behind threadLocal() (assembly/thread-local.ts), never in shared static memory.

import { ABI_CONSTANTS } from '../engine/abi.js';
import type { KernelName } from '../engine/kernel-specs.js';
import { potwConvLayout } from '../plan/pack-potw.js';

type P = Record<string, number>;
/** Per thread (index = thread), the calls it makes; [] for a thread with no part. */
export type Parts = P[][];
export type Splitter = (p: P, threads: number) => Parts;

/** Units [0, total) cut into `threads` contiguous ranges as equal as integers allow. */
export function ranges(total: number, threads: number): [number, number][] {
  return Array.from({ length: threads }, (_, t) => [Math.floor((t * total) / threads), Math.floor(((t + 1) * total) / threads)]);
}

const whole = (p: P, threads: number): Parts => [[p], ...Array.from({ length: threads - 1 }, () => [])];

/** Images [i0, i0 + k) of a batched call: `per` gives the bytes per image of each pointer field. */
function images(p: P, batchField: string, per: [string, number][], i0: number, k: number): P {
  const q = { ...p, [batchField]: k };
  for (const [field, bytes] of per) q[field] = p[field]! + i0 * bytes;
  return q;
}

/** Splits by whole images (rows of a gemm): `per(p)` are the bytes per image of each pointer. */
const byImage = (batchField: string, per: (p: P) => [string, number][]): Splitter => (p, threads) => {
  const n = p[batchField]!;
  if (n < 2) return whole(p, threads);
  return ranges(n, threads).map(([a, b]) => (b > a ? [images(p, batchField, per(p), a, b - a)] : []));
};

/** Output rows [r0, r1) of image `img` of an NHWC conv: the input narrowed to the rows they read. */
function convRows(p: P, img: number, r0: number, r1: number, potw: boolean): P | null {
  const rStart = r0 * p.strideH! - p.padTop!;
  const rEnd = (r1 - 1) * p.strideH! + (p.kh! - 1) * p.dilationH! + 1 - p.padTop!;
  const start = Math.max(0, rStart), end = Math.min(p.h!, rEnd);
  if (end <= start) return null; // rows of padding only: not split
  const q: P = {
    ...p, n: 1, h: end - start, padTop: start - rStart, oh: r1 - r0,
    input: p.input! + (img * p.h! + start) * p.w! * p.c!, output: p.output! + (img * p.oh! + r0) * p.ow! * p.m!,
  };
  if (potw) q.hp = potwConvLayout(q as never).hp; // the zx-padded copy of the narrowed input
  return q;
}

/**
 * Splits an NHWC conv by output rows over all images (whole images where a range covers them).
 * The shift-add kernel reduces panels of POTW_PANEL_PIXELS output pixels, and a part panel costs
 * a whole one (an 8 x 8 map cut into 1-row parts took 4x the whole call): its parts are cut at
 * blocks of rows that fill a panel, so a small map is cut into fewer parts than units.
 */
const byRows = (potw: boolean): Splitter => (p, threads) => {
  const oh = p.oh!, n = p.n!, rows = n * oh;
  if (rows < 2) return whole(p, threads);
  const quantum = potw ? Math.max(1, Math.ceil(ABI_CONSTANTS.POTW_PANEL_PIXELS / p.ow!)) : 1;
  const blocks = Math.ceil(rows / quantum);
  if (blocks < 2) return whole(p, threads);
  const perImage: [string, number][] = [['input', p.h! * p.w! * p.c!], ['output', oh * p.ow! * p.m!]];
  const parts: Parts = [];
  for (const [b0, b1] of ranges(blocks, threads)) {
    const u0 = Math.min(rows, b0 * quantum), u1 = Math.min(rows, b1 * quantum);
    const calls: P[] = [];
    for (let u = u0; u < u1; ) {
      const img = Math.floor(u / oh), r0 = u - img * oh;
      if (r0 === 0 && u1 - u >= oh) {
        const k = Math.floor((u1 - u) / oh);
        calls.push(images(p, 'n', perImage, img, k));
        u += k * oh;
      } else {
        const r1 = Math.min(oh, r0 + u1 - u);
        const q = convRows(p, img, r0, r1, potw);
        if (q === null) return whole(p, threads);
        calls.push(q);
        u += r1 - r0;
      }
    }
    parts.push(calls);
  }
  return parts;
};

/** Elementwise: ranges of elements, cut at multiples of 16 (whole SIMD vectors). */
const byElements = (countField: string, pointers: string[]): Splitter => (p, threads) => {
  const count = p[countField]!, blocks = Math.ceil(count / 16);
  if (blocks < 2) return whole(p, threads);
  return ranges(blocks, threads).map(([a, b]) => {
    const from = a * 16, to = Math.min(count, b * 16);
    if (to <= from) return [];
    const q = { ...p, [countField]: to - from };
    for (const f of pointers) q[f] = p[f]! + from;
    return [q];
  });
};

/**
 * A strided copy: by image, or one image (n = 1) cut along its outermost output axis longer than 1
 * (the axes before it have one entry: each part is the same copy over fewer rows). Every part
 * fills its own output rows and reads only its box's source bytes, so a split Add after it can
 * read the rows its thread wrote.
 */
const stridedCopy: Splitter = (p, threads) => {
  if (p.n! > 1) return byImage('n', (q) => [['input', q.inSize!], ['output', q.outSize!]])(p, threads);
  const a = [p.out0!, p.out1!, p.out2!].findIndex((d) => d > 1);
  if (a < 0) return whole(p, threads);
  const rows = p[`out${a}`]!, row = p.outSize! / rows;
  return ranges(rows, threads).map(([r0, r1]) => {
    if (r1 <= r0) return [];
    const q: P = { ...p, [`out${a}`]: r1 - r0, outSize: (r1 - r0) * row, output: p.output! + r0 * row };
    const lo = Math.min(Math.max(p[`lo${a}`]! - r0, 0), r1 - r0), hi = Math.min(Math.max(p[`hi${a}`]! - r0, 0), r1 - r0);
    q[`lo${a}`] = lo;
    q[`hi${a}`] = hi;
    if (hi <= lo || p.hi3! <= p.lo3!) return [{ ...q, [`hi${a}`]: lo, inSize: 0, srcOrigin: 0 }]; // fill only
    // source indices of the box: origin + sum (o_b - lo_b) * src_b; the input narrowed to their range
    const origin = p.srcOrigin! + (lo + r0 - p[`lo${a}`]!) * p[`src${a}`]!;
    let min = origin, max = origin;
    for (let b = 0; b < 4; b++) {
      const span = (q[`hi${b}`]! - q[`lo${b}`]! - 1) * q[`src${b}`]!;
      if (span < 0) min += span;
      else max += span;
    }
    return [{ ...q, input: p.input! + min, srcOrigin: origin - min, inSize: max - min + 1 }];
  });
};

export const SPLITS: Partial<Record<KernelName, Splitter>> = {
  'qs8-qc8w-conv2d': byRows(false),
  'qs8-potw-conv2d': byRows(true),
  'qs8-qc8w-gemm': byImage('n', (p) => [['input', p.k!], ['output', p.m!]]),
  'qs8-potw-gemm': byImage('n', (p) => [['input', p.k!], ['output', p.m!]]),
  'qs8-vadd': byElements('count', ['a', 'b', 'output']),
  'qs8-gavgpool': byImage('n', (p) => [['input', p.pixels! * p.c!], ['output', p.c!]]),
  'qs8-maxpool': byImage('n', (p) => [['input', p.h! * p.w! * p.c!], ['output', p.oh! * p.ow! * p.c!]]),
  'x8-strided-copy': stridedCopy,
  'x8-to-nchw': byImage('n', (p) => [['input', p.pixels! * p.c!], ['output', p.pixels! * p.c!]]),
};

/**
 * A qc8w conv that unpacks its weights per call (codeBits 4, 5: PoT codes; 8: int8 sign-extended)
 * cut into row parts would unpack all of them in every part. Instead: the unpack alone (the conv
 * kernel with oh = 0 only unpacks) into `into`, the running thread's region, which a thread runs
 * once per layer whatever number of parts it takes (compute-worker.ts), then the parts read the
 * int16 blocks there (codeBits 0, wBytes 2: the layout the kernel unpacks to). Each thread
 * unpacks the whole layer: that costs less than sharing one unpack, whose blocks every thread
 * then reads from the other's cache (measured: 10 % of a ResNet-20 batch-1 inference). Null for
 * other calls.
 */
export function ownUnpack(kernel: KernelName, p: P, into: number): { unpack: P; conv: P } | null {
  if (kernel !== 'qs8-qc8w-conv2d' || p.codeBits === 0) return null;
  const blocks = p.group! * Math.ceil(p.m! / p.group! / ABI_CONSTANTS.QS8_GEMM_NR);
  return {
    unpack: { ...p, group: 1, m: blocks * ABI_CONSTANTS.QS8_GEMM_NR, h: 0, oh: 0, unpacked: into },
    conv: { ...p, codeBits: 0, wBytes: 2, packed: into, unpacked: 0 },
  };
}

/** Each thread's calls for one bound call: split where the kernel has an entry, else whole on thread 0. */
export function splitCall(kernel: KernelName, p: P, threads: number): { parts: Parts; split: boolean } {
  const s = SPLITS[kernel];
  if (threads < 2 || s === undefined) return { parts: whole(p, Math.max(1, threads)), split: false };
  return { parts: s(p, threads), split: true };
}
