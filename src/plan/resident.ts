// Resident bytes of weight layers in wasm memory: what the executor keeps for a layer's kernel
// (weights, and per-channel constants: bias', requantization), per weight form. For selection
// under a runtime budget (the DoubleQExt selection can ask what a layer would cost as int8 or as
// power-of-two codes without quantizing it first).

import { ABI_CONSTANTS as C } from '../engine/abi.js';
import type { QConv, QGemm } from '../ir/qgraph.js';
import { layerStep, type PotKernels } from './layer-step.js';
import { dwHeaderBytes, dwUnpackedBytes, dwWeightCount } from '../engine/dwconv-layout.js';
import { isDepthwise } from './pack-dwconv.js';

export interface ResidentBytes {
  /** kernel weights (or codes, or tap lists) as the kernel reads them, padding included */
  weights: number;
  /** per-channel constants: block / record headers */
  constants: number;
  /** unpacked int16 weights the kernel writes into the shared scratch per call (the scratch holds the largest layer's), else 0 */
  unpackScratch: number;
}

/**
 * The resident bytes of `node` in the compact form (the default) if its weights were int8
 * (`bits` 8) or power-of-two codes of `bits` 5 or 4: exact, from the packed layout
 * (assembly/abi/qs8.ts): blocks of 4 channels, K padded to 8, a 96-byte header per block.
 */
export function residentBytesAs(node: QConv | QGemm, bits: 8 | 5 | 4): ResidentBytes {
  if (node.op === 'conv' && isDepthwise(node.geometry)) { // src/plan/pack-dwconv.ts: int8 in place, codes unpacked
    const { c, kh, kw } = node.geometry;
    return { weights: (dwWeightCount(c, kh * kw) * bits) / 8, constants: dwHeaderBytes(c), unpackScratch: bits === 8 ? 0 : dwUnpackedBytes(c, kh * kw) };
  }
  const [groups, mg, k] = node.op === 'conv'
    ? [node.geometry.group, node.geometry.m / node.geometry.group, node.geometry.kh * node.geometry.kw * (node.geometry.c / node.geometry.group)]
    : [1, node.m, node.k];
  const blocks = groups * Math.ceil(mg / C.QS8_GEMM_NR);
  const kPad = Math.ceil(k / C.QS8_GEMM_KR) * C.QS8_GEMM_KR;
  const perBlock = kPad * C.QS8_GEMM_NR;
  return {
    weights: (blocks * perBlock * bits) / 8,
    constants: blocks * C.QS8_BLOCK_HEADER_BYTES,
    unpackScratch: blocks * (C.QS8_BLOCK_HEADER_BYTES + 2 * perBlock),
  };
}

/** The resident bytes of `node` as planned (any form, shift-add tap lists included): the packer's own output. */
export function residentBytes(node: QConv | QGemm, potKernels?: PotKernels): ResidentBytes {
  const step = layerStep(node, () => ({ scale: 1, zeroPoint: 0 }), potKernels)!;
  return { weights: step.packed!.length - step.constantBytes, constants: step.constantBytes, unpackScratch: step.unpackBytes };
}
