// Output-aware power-of-two rounding (src/quant/pot-gptq.ts): the linear algebra, the grid, the
// error compensation against per-weight rounding on correlated inputs, and the real ResNet-20
// through the format and every integer engine.

import { beforeAll, describe, expect, it } from 'vitest';
import { cifar10FromBytes } from '../../../src/data/cifar10.js';
import { readQModel, writeQModel } from '../../../src/format/qmodel.js';
import type { QGraph } from '../../../src/ir/qgraph.js';
import { memoryReport } from '../../../src/plan/memory-report.js';
import { gptqRows, nearestPot, quantizePotGptq } from '../../../src/quant/pot-gptq.js';
import { inverseUpperFactor } from '../../../src/quant/pot-linalg.js';
import { layerFloatWeights } from '../../../src/quant/quantize-int8.js';
import { decodePot, potCode } from '../../../src/core/pot-codec.js';
import { resolveLayers } from '../../../src/quant/quantize-pot.js';
import type { Engine } from '../../../src/engine/engine.js';
import { QExecutor } from '../../../src/runtime/q-executor.js';
import { runQReference } from '../../../src/runtime/reference/q-reference-executor.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SHARED } from '../../helpers/onnx-builder.js';
import { CIFAR_NORM, cifarImages, quantizedResnet20 } from '../../helpers/resnet.js';
import { mulberry32 } from '../../helpers/rng.js';

/** X (n x K) with correlated columns, H = X^T X, and rows of weights. */
function problem(seed: number, n: number, K: number, m: number) {
  const r = mulberry32(seed), gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const mix = Float64Array.from({ length: K * K }, () => gauss() / Math.sqrt(K));
  const x = new Float64Array(n * K);
  for (let s = 0; s < n; s++) {
    const z = Float64Array.from({ length: K }, gauss);
    for (let i = 0; i < K; i++) {
      let v = z[i]!;
      for (let j = 0; j < K; j++) v += 2 * mix[i * K + j]! * z[j]!;
      x[s * K + i] = Math.max(0, v); // ReLU-like inputs
    }
  }
  const h = new Float64Array(K * K);
  for (let s = 0; s < n; s++) for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) h[i * K + j] += x[s * K + i]! * x[s * K + j]!;
  const w = Float64Array.from({ length: m * K }, () => 0.1 * gauss());
  return { x, h, w };
}

/** sum over rows of ||X (w - s p)||^2 */
function outputError(x: Float64Array, n: number, K: number, w: Float64Array, wq: (r: number, i: number) => number, m: number): number {
  let e = 0;
  for (let r = 0; r < m; r++) for (let s = 0; s < n; s++) {
    let d = 0;
    for (let i = 0; i < K; i++) d += x[s * K + i]! * (w[r * K + i]! - wq(r, i));
    e += d * d;
  }
  return e;
}

describe('linear algebra', () => {
  it('U^T U = H^-1 for the upper factor of the inverse', () => {
    const K = 12, { h } = problem(3, 64, K, 1);
    for (let i = 0; i < K; i++) h[i * K + i] += 0.1;
    const u = inverseUpperFactor(h, K);
    for (let i = 0; i < K; i++) for (let j = 0; j < i; j++) expect(u[i * K + j]).toBe(0);
    // (U^T U) H = I
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
      let v = 0;
      for (let p = 0; p < K; p++) {
        let inv = 0;
        for (let q = 0; q < K; q++) inv += u[q * K + i]! * u[q * K + p]!;
        v += inv * h[p * K + j]!;
      }
      expect(v).toBeCloseTo(i === j ? 1 : 0, 8);
    }
  });
});

describe('the power-of-two grid', () => {
  it('nearest power in the linear domain, 0 below 1/2, clamped at 2^emax', () => {
    expect([0.49, 0.5, 1.49, 1.5, 2.9, 3, 5.9, 6, 100, 1000, -0.7, -3].map((v) => nearestPot(v, 7))).toEqual([0, 1, 1, 2, 2, 4, 4, 8, 128, 128, -1, -4]);
    expect(nearestPot(1000, 6)).toBe(64);
  });

  it('every grid value has a code of its width (4 bits: up to 64, 5 bits: up to 128)', () => {
    for (const bits of [4, 5] as const)
      for (let v = -300; v <= 300; v += 0.25) {
        const p = nearestPot(v, bits === 5 ? 7 : 6);
        expect(decodePot(potCode(p, bits), bits)).toBe(p);
      }
  });
});

describe('output-aware rounding on correlated inputs', () => {
  it('with a diagonal H there is nothing to compensate: codes are the nearest powers at the chosen scale', () => {
    const K = 16, m = 3, { w } = problem(5, 1, K, m);
    const h = new Float64Array(K * K);
    for (let i = 0; i < K; i++) h[i * K + i] = 1 + i;
    const r = gptqRows(w, m, K, h, new Float64Array(K), 5);
    for (let o = 0; o < m; o++) for (let i = 0; i < K; i++) expect(r.weights[o * K + i]).toBe(nearestPot(w[o * K + i]! / r.scale[o]!, 7));
  });

  for (const bits of [5, 4] as const)
    it(`${bits}-bit: the output error is well below nearest rounding with a least-squares scale`, () => {
      const n = 400, K = 36, m = 8, { x, h, w } = problem(11 + bits, n, K, m);
      const r = gptqRows(w, m, K, h, new Float64Array(K), bits);
      const emax = bits === 5 ? 7 : 6;
      // baseline: int8-style scale, nearest power, then the least-squares (weight) scale
      const base = new Float64Array(m * K);
      for (let o = 0; o < m; o++) {
        let amax = 0;
        for (let i = 0; i < K; i++) amax = Math.max(amax, Math.abs(w[o * K + i]!));
        const s0 = amax / 2 ** emax;
        let wp = 0, pp = 0;
        const p = Array.from({ length: K }, (_, i) => nearestPot(w[o * K + i]! / s0, emax));
        p.forEach((v, i) => { wp += w[o * K + i]! * v; pp += v * v; });
        p.forEach((v, i) => (base[o * K + i] = (wp / pp) * v));
      }
      const eNearest = outputError(x, n, K, w, (o, i) => base[o * K + i]!, m);
      const eGptq = outputError(x, n, K, w, (o, i) => r.scale[o]! * r.weights[o * K + i]!, m);
      expect(eGptq).toBeLessThan(0.6 * eNearest);
      for (const v of r.weights) expect(v === 0 || (Number.isInteger(Math.log2(Math.abs(v))) && Math.abs(v) <= 2 ** emax)).toBe(true);
    });
});

describe('ResNet-20 with output-aware power-of-two weights', () => {
  let simd: Engine, scalar: Engine, q8: QGraph, q: QGraph;
  beforeAll(async () => {
    simd = await loadEngine({ simd: true });
    scalar = await loadEngine({ simd: false });
    const r = await quantizedResnet20(simd, { calibImages: 50 });
    q8 = r.q;
    const names = [...resolveLayers(q8, 'all')];
    const bits = new Map(names.map((n, i) => [n, (i % 2 === 0 ? 5 : 4) as 4 | 5])); // mixed widths
    const calib = cifar10FromBytes(readFileSync(resolve(SHARED, 'data/cifar10/calib.bin')).subarray(0, 3073 * 50), CIFAR_NORM);
    q = await quantizePotGptq(q8, r.model, layerFloatWeights(r.model.graphFor(1), q8), calib, { bits, limit: 50, engine: simd });
  }, 120_000);

  it('mixed 4/5-bit layers: memory accounting, and the file round-trips', () => {
    const mem = memoryReport(q, writeQModel(q));
    expect(mem.layers.filter((l) => l.format === 'pot').map((l) => l.codeBits)).toEqual(mem.layers.map((_, i) => (i % 2 === 0 ? 5 : 4)));
    const back = readQModel(writeQModel(q));
    expect(back.nodes).toEqual(q.nodes);
  });

  it('shift-add (scalar, SIMD) == int8 on decoded weights == TS reference, and it still classifies', async () => {
    const N = 3, images = await cifarImages('test.bin', N);
    const ref = runQReference(q, images.images, N).quantized[0]!;
    for (const engine of [simd, scalar])
      for (const potKernels of ['shift-add', 'int8'] as const)
        expect(new QExecutor(q, engine, N, { potKernels }).runQuantized(images.images, N)[0]).toEqual(ref);
    const M = 200, test = await cifarImages('test.bin', M);
    const logits = new QExecutor(q, simd, M).run(test.images, M)[0]!;
    let correct = 0;
    for (let i = 0; i < M; i++) {
      let best = 0;
      for (let j = 1; j < 10; j++) if (logits[i * 10 + j]! > logits[i * 10 + best]!) best = j;
      if (best === test.labels[i]) correct++;
    }
    expect(correct / M).toBeGreaterThan(0.8);
  });

  it('rejects an unknown layer and a layer that is already power-of-two', async () => {
    const calib = cifar10FromBytes(readFileSync(resolve(SHARED, 'data/cifar10/calib.bin')).subarray(0, 3073 * 4), CIFAR_NORM);
    const r = await quantizedResnet20(simd, { calibImages: 4 });
    const fw = layerFloatWeights(r.model.graphFor(1), r.q);
    await expect(quantizePotGptq(r.q, r.model, fw, calib, { bits: new Map([['nope', 5]]), limit: 4 })).rejects.toThrow(/no weight layer named 'nope'/);
    await expect(quantizePotGptq(q, r.model, fw, calib, { bits: new Map([[[...resolveLayers(q, 'all')][0]!, 5]]), limit: 4 })).rejects.toThrow(/already power-of-two/);
  });
});
