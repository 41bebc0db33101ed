// The Plan owns every decision and every byte: kernels named per step (chosen once in the
// planner), packed weights placed in one region, and the memory report's executor footprint
// equal to what the engine actually allocates for the executor.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { QGraph } from '../../src/ir/qgraph.js';
import { memoryReport } from '../../src/plan/memory-report.js';
import { plan } from '../../src/plan/planner.js';
import { quantizePot, resolveLayers } from '../../src/quant/quantize-pot.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { quantizedResnet20 } from '../helpers/resnet.js';

let simd: Engine, scalar: Engine, q8: QGraph, pot: QGraph, mixed: QGraph;

beforeAll(async () => {
  simd = await loadEngine({ simd: true });
  scalar = await loadEngine({ simd: false });
  ({ q: q8 } = await quantizedResnet20(simd, { calibImages: 20 }));
  const all = resolveLayers(q8, 'all');
  pot = quantizePot(q8, all, { rule: 'log' });
  mixed = quantizePot(q8, new Set([...all].filter((_, i) => i % 2 === 0)), { rule: 'floor' });
});

describe('ResNet-20 plans and footprints', () => {
  it('every step names its kernel: shift-add exactly for the power-of-two layers, unless planned on int8', () => {
    for (const q of [q8, pot, mixed]) {
      for (const s of plan(q, 1).steps) {
        const n = s.node;
        if (n.op === 'conv') expect(s.kernel).toBe(n.pot ? 'qs8-potw-conv2d' : 'qs8-qc8w-conv2d');
        else if (n.op === 'gemm') expect(s.kernel).toBe(n.pot ? 'qs8-potw-gemm' : 'qs8-qc8w-gemm');
        else expect(s.weights).toBeNull();
      }
      for (const s of plan(q, 1, { potKernels: 'int8' }).steps) expect(s.kernel).not.toMatch(/potw/);
    }
  });

  it('packed weights: one aligned, non-overlapping region; the executor copies exactly the plan', () => {
    const p = plan(mixed, 2);
    let end = 0;
    for (const s of p.steps.filter((s) => s.weights)) {
      expect(s.weights!.offset % 16).toBe(0);
      expect(s.weights!.offset).toBeGreaterThanOrEqual(end);
      expect(s.weights!.bytes).toBe(s.packed!.length);
      expect(Buffer.from(p.weights.subarray(s.weights!.offset, s.weights!.offset + s.weights!.bytes)).equals(Buffer.from(s.packed!))).toBe(true);
      end = s.weights!.offset + s.weights!.bytes;
    }
    expect(p.weights.length).toBeGreaterThanOrEqual(end);
    expect(p.constantBytes).toBeGreaterThan(0);
    expect(p.constantBytes).toBeLessThan(p.weights.length);
  });

  it("the memory report's executor bytes equal the engine's own allocation count, on both builds", () => {
    for (const q of [q8, pot, mixed]) {
      const report = memoryReport(q);
      expect(report.executorBytes.total).toBe(report.executorBytes.weights + report.executorBytes.scratch + report.executorBytes.arena);
      expect(report.packedWeightBytes).toBe(plan(q, 1).weights.length);
      for (const e of [simd, scalar]) {
        const before = e.allocatedBytes;
        const ex = new QExecutor(q, e, 1);
        expect(e.allocatedBytes - before).toBe(report.executorBytes.total);
        expect(ex.footprint).toEqual(report.executorBytes);
      }
    }
  });

  it('reports the packed weights (int8 widened to int16 today, PoT as tap lists)', () => {
    const r8 = memoryReport(q8), rp = memoryReport(pot);
    const kernelWeights = r8.layers.reduce((s, l) => s + l.weights, 0);
    expect(kernelWeights).toBe(268_336);
    expect(r8.packedWeightBytes).toBeGreaterThan(2 * kernelWeights);
    expect(rp.packedWeightBytes).toBeGreaterThan(0);
  });
});
