// DoubleQ ResNet-20: shift-add kernels == int8 kernels on the decoded weights == TS reference,
// scalar and SIMD, byte for byte, on real CIFAR-10 images, for every rounding rule.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/data/dataset.js';
import type { QGraph } from '../../src/ir/qgraph.js';
import { quantizePot, resolveLayers } from '../../src/quant/quantize-pot.js';
import type { Engine } from '../../src/engine/engine.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { runQReference } from '../../src/runtime/reference/q-reference-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { cifarImages, quantizedResnet20 } from '../helpers/resnet.js';

const N = 3;
let simd: Engine, scalar: Engine, q8: QGraph, images: Batch;

beforeAll(async () => {
  simd = await loadEngine({ simd: true });
  scalar = await loadEngine({ simd: false });
  ({ q: q8 } = await quantizedResnet20(simd, { calibImages: 50 }));
  images = await cifarImages('test.bin', N);
});

describe('power-of-two ResNet-20 on the integer engines', () => {
  for (const rule of ['log', 'linear', 'floor'] as const) {
    it(`${rule}: shift-add (scalar, SIMD) == int8 on decoded weights (scalar, SIMD) == TS reference`, () => {
      const q = quantizePot(q8, resolveLayers(q8, 'all'), { rule });
      const ref = runQReference(q, images.images, N).quantized[0]!;
      for (const engine of [simd, scalar])
        for (const potKernels of ['shift-add', 'int8'] as const) {
          const ex = new QExecutor(q, engine, N, { potKernels });
          expect(ex.runQuantized(images.images, N)[0], `${engine.simd ? 'simd' : 'scalar'} ${potKernels}`).toEqual(ref);
        }
    });
  }

  it('a mixed model (half the layers power-of-two) runs the same on every engine, twice', () => {
    const half = new Set([...resolveLayers(q8, 'all')].filter((_, i) => i % 2 === 1));
    const q = quantizePot(q8, half, { rule: 'log' });
    const ref = runQReference(q, images.images, N).quantized[0]!;
    for (const engine of [simd, scalar]) {
      const ex = new QExecutor(q, engine, N);
      expect(ex.runQuantized(images.images, N)[0]).toEqual(ref);
      expect(ex.runQuantized(images.images, N)[0]).toEqual(ref);
    }
  });
});
