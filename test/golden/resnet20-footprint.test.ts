// The Plan owns every decision and every byte: kernels named per step (chosen once in the
// planner), packed weights placed in one region, and the memory report's executor footprint
// equal to what the engine actually allocates for the executor.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { QGraph } from '../../src/ir/qgraph.js';
import { memoryReport } from '../../src/plan/memory-report.js';
import { plan } from '../../src/plan/planner.js';
import { residentBytesAs } from '../../src/plan/resident.js';
import { quantizePot, resolveLayers } from '../../src/quant/quantize-pot.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { quantizedResnet20 } from '../helpers/resnet.js';

let simd: Engine, scalar: Engine, q8: QGraph, pot: QGraph, pot4: QGraph, mixed: QGraph;

beforeAll(async () => {
  simd = await loadEngine({ simd: true });
  scalar = await loadEngine({ simd: false });
  ({ q: q8 } = await quantizedResnet20(simd, { calibImages: 20 }));
  const all = resolveLayers(q8, 'all');
  pot = quantizePot(q8, all, { rule: 'log' });
  pot4 = quantizePot(q8, all, { rule: 'floor' });
  mixed = quantizePot(q8, new Set([...all].filter((_, i) => i % 2 === 0)), { rule: 'floor' });
});

describe('ResNet-20 plans and footprints', () => {
  it('every step names its kernel and weight form, chosen once in the planner', () => {
    for (const q of [q8, pot, mixed]) {
      for (const s of plan(q, 1, { weights: 'fast' }).steps) {
        const n = s.node;
        if (n.op === 'conv') expect(s.kernel).toBe(n.pot ? 'qs8-potw-conv2d' : 'qs8-qc8w-conv2d');
        else if (n.op === 'gemm') expect(s.kernel).toBe(n.pot ? 'qs8-potw-gemm' : 'qs8-qc8w-gemm');
        else expect(s.weights).toBeNull();
      }
      for (const s of plan(q, 1).steps) {
        const n = s.node;
        if (n.op !== 'conv' && n.op !== 'gemm') continue;
        expect(s.kernel).toMatch(/qc8w/); // compact: int8 kernels, PoT layers as codes
        expect((s.params as unknown as { codeBits: number }).codeBits).toBe(n.pot ? n.pot.bits : 8); // int8 layers: int8 resident, unpacked per call
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

  it("the memory report's runtime bytes equal the engine's own allocation count, every form, both builds", () => {
    for (const q of [q8, pot, pot4, mixed]) {
      for (const weights of ['compact', 'fast'] as const) {
        const report = memoryReport(q, undefined, { weights });
        const r = report.runtimeBytes;
        expect(r.total).toBe(r.weights + r.constants + r.scratch + r.arena);
        expect(report.packedWeightBytes).toBe(plan(q, 1, { weights }).weights.length);
        expect(report.layers.reduce((s, l) => s + l.residentWeightBytes + l.residentConstantBytes, 0)).toBeLessThanOrEqual(report.packedWeightBytes);
        for (const e of [simd, scalar]) {
          const before = e.allocatedBytes;
          const ex = new QExecutor(q, e, 1, { weights });
          expect(e.allocatedBytes - before).toBe(r.total);
          expect(ex.footprint).toEqual(r);
        }
      }
    }
  });

  it('resident weights in coded form (issue 10 acceptance): int8 ~1 B per weight, PoT at its code width, less memory in total', () => {
    const [r8, r5, r4] = [memoryReport(q8), memoryReport(pot), memoryReport(pot4)];
    const kernelWeights = r8.layers.reduce((s, l) => s + l.weights, 0);
    expect(kernelWeights).toBe(268_336);
    const w8 = r8.layers.reduce((s, l) => s + l.residentWeightBytes, 0);
    const w5 = r5.layers.reduce((s, l) => s + l.residentWeightBytes, 0);
    const w4 = r4.layers.reduce((s, l) => s + l.residentWeightBytes, 0);
    expect(w8 / kernelWeights).toBeLessThanOrEqual(1.05);
    expect(w5 / w8).toBeLessThanOrEqual(0.65);
    expect(w4 / w8).toBeLessThanOrEqual(0.53);
    expect(r5.runtimeBytes.total).toBeLessThan(r8.runtimeBytes.total);
    expect(r4.runtimeBytes.total).toBeLessThan(r5.runtimeBytes.total);
    // the per-form function the selection uses agrees with the planner, layer by layer
    for (const n of q8.nodes) {
      if (n.op !== 'conv' && n.op !== 'gemm') continue;
      const as8 = residentBytesAs(n, 8), l8 = r8.layers.find((l) => l.name === n.name)!;
      expect([as8.weights, as8.constants]).toEqual([l8.residentWeightBytes, l8.residentConstantBytes]);
      const l5 = r5.layers.find((l) => l.name === n.name)!, l4 = r4.layers.find((l) => l.name === n.name)!;
      expect(residentBytesAs(n, 5).weights).toBe(l5.residentWeightBytes);
      expect(residentBytesAs(n, 4).weights).toBe(l4.residentWeightBytes);
    }
  });
});
