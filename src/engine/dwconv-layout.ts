// Sizes of the depthwise conv kernel's packed weights and scratch (layout: assembly/abi/dwconv.ts).
// The only formulas: the packer, the planner and the Engine's buffer checks use these.

import { ABI_CONSTANTS as C } from './abi.js';

/** Channel groups of DW_CR lanes, and taps rounded up to pairs. */
export function dwShape(c: number, taps: number): { groups: number; tPad: number } {
  return { groups: Math.ceil(c / C.DW_CR), tPad: taps + (taps & 1) };
}
/** Weights (or codes) in a layer's weights region. */
export function dwWeightCount(c: number, taps: number): number {
  const { groups, tPad } = dwShape(c, taps);
  return groups * tPad * C.DW_CR;
}
/** Bytes of the group headers (per-channel constants). */
export function dwHeaderBytes(c: number): number {
  return dwShape(c, 1).groups * C.DW_GROUP_HEADER_BYTES;
}
/** Bytes of the packed weights: headers, then weights of wBytes each or codes of codeBits each. */
export function dwPackedBytes(c: number, taps: number, wBytes: number, codeBits = 0): number {
  const count = dwWeightCount(c, taps);
  return dwHeaderBytes(c) + (codeBits === 0 ? count * wBytes : (count * codeBits) / 8);
}
/** Bytes of the int16 weights a code-packed layer unpacks per call. */
export function dwUnpackedBytes(c: number, taps: number): number {
  return 2 * dwWeightCount(c, taps);
}
/** Scratch: the zx row (groups * DW_CR bytes), then two tables of one 4-byte entry per padded tap (pointers, offsets). */
export function dwScratchBytes(c: number, taps: number): number {
  const { groups, tPad } = dwShape(c, taps);
  return groups * C.DW_CR + 8 * tPad;
}
