// The one table of limits. Every stage checks its input against these same numbers, so that
// whatever one stage accepts the next one accepts too:
//   importer + graph validator  ⊆  quantizer  ⊆  .dq writer  ⊆  .dq reader  ⊆  planner/engine  ⊆  kernels' host checks.
// A stage may be stricter than this table only where it says why (e.g. an op it does not lower).
// Each bound is inclusive. Why each number is what it is:
//   dim, elements: an index into one tensor stays below 2^31 bytes as int32/float32 in wasm32;
//   window (kernel, stride, dilation, pad), channels: 2^16 keeps every product of the conv
//     geometry exact in a double and inside the kernels' int32 index arithmetic;
//   addMult: the vadd kernel multiplies int9 (x - z) by the multiplier in int32 lanes and adds
//     two of them: 2 * 255 * (2^22 - 1) < 2^31;
//   poolPixels: the global-average-pool kernel sums int9 values over h*w pixels in an int32
//     together with the rounding half: 255 * (2^23 - 1) < 2^31;
//   requant (mult, shift): the normalised fixed-point range (see src/quant/requant.ts);
//   batch, memoryBytes: activations of one planned run (wasm arena or float tensors live at
//     once) stay well inside the 4 GiB wasm32 address space and a browser tab.

export interface Range {
  readonly lo: number;
  readonly hi: number;
}

const r = (lo: number, hi: number): Range => ({ lo, hi });

export const LIMITS = {
  /** rank of a float tensor in an imported graph */
  rank: r(0, 8),
  /** rank of a per-image quantized value ([h, w, c] or [k]) */
  qRank: r(1, 3),
  /** any axis of an activation */
  dim: r(1, 2 ** 24),
  /** elements of one activation, per image */
  elementsPerImage: r(1, 2 ** 26),
  /** elements of one weight / initializer / constant tensor */
  constElements: r(0, 2 ** 26),
  /** conv and pool kernel size, per axis */
  kernel: r(1, 2 ** 16),
  stride: r(1, 2 ** 16),
  dilation: r(1, 2 ** 16),
  /** explicit or resolved spatial pads, per side */
  pad: r(0, 2 ** 16),
  /** channels of a conv / gemm, groups */
  channels: r(1, 2 ** 16),
  /** gemm reduction length */
  gemmK: r(1, 2 ** 24),
  /** int8 Add: |multiplier| and the shift */
  addMult: r(-(2 ** 22 - 1), 2 ** 22 - 1),
  addShift: r(1, 31),
  /** per-channel requantization (normalised fixed point) */
  requantMult: r(2 ** 30, 2 ** 31 - 1),
  requantShift: r(1, 62),
  /** global average pool: pixels h*w summed into one int32 */
  poolPixels: r(1, 2 ** 23 - 1),
  /** images in one run */
  batch: r(1, 2 ** 16),
  /** bytes of activation memory planned for one run (wasm arena, or float tensors alive at once) */
  memoryBytes: r(1, 2 ** 31),
  /** nodes and values of one graph */
  nodes: r(0, 2 ** 16),
  /** .dq file size */
  fileBytes: r(1, 2 ** 30),
} as const satisfies Record<string, Range>;

export type LimitName = keyof typeof LIMITS;

/** True when v is an integer inside the named limit. */
export function withinLimit(name: LimitName, v: number): boolean {
  const l = LIMITS[name];
  return Number.isInteger(v) && v >= l.lo && v <= l.hi;
}

const fmt = (v: number) => (Math.abs(v) >= 2 ** 16 && Number.isInteger(Math.log2(Math.abs(v) + 1)) ? `${v < 0 ? '-' : ''}2^${Math.log2(Math.abs(v) + 1)}-1`
  : Math.abs(v) >= 2 ** 16 && Number.isInteger(Math.log2(Math.abs(v))) ? `${v < 0 ? '-' : ''}2^${Math.log2(Math.abs(v))}` : String(v));

/** The message used by every stage for a value outside a limit. */
export function limitMessage(name: LimitName, v: number, what: string): string {
  const l = LIMITS[name];
  return `${what} = ${Number.isFinite(v) ? v : String(v)} is outside the supported range [${fmt(l.lo)}, ${fmt(l.hi)}] (${name} limit)`;
}

/** Returns v, or calls `fail` (which throws the stage's own error class) with limitMessage. */
export function checkLimit(name: LimitName, v: number, what: string, fail: (msg: string) => never): number {
  if (!withinLimit(name, v)) fail(limitMessage(name, v, what));
  return v;
}

/** Elements of a shape, or Infinity when the product is not exact in a double. */
export function elementsOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return n;
}

/**
 * The integer layers' accumulator: the wasm kernels sum in int32 modulo 2^32 (with the bias
 * folded), the TS reference sums exactly; they agree whenever the true sum fits an int32, which
 * holds for every input iff |bias| + 255 * sum |w| <= 2^31 - 1 (|x - zx| <= 255) per channel.
 * Returns the first channel that can overflow, or -1. Weights: `k` per channel, channel-major.
 */
export function overflowingChannel(weights: ArrayLike<number>, bias: ArrayLike<number>, k: number): number {
  for (let ch = 0; ch < bias.length; ch++) {
    let s = 0;
    for (let i = ch * k; i < (ch + 1) * k; i++) s += Math.abs(weights[i]!);
    if (Math.abs(bias[ch]!) + 255 * s > 2 ** 31 - 1) return ch;
  }
  return -1;
}
