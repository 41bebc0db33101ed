// The accumulator bound on hand-made layers: exact, attained by some input, and the ranges
// that values inherit through the graph.

import { describe, expect, it } from 'vitest';
import type { QGemm, QGraph } from '../../src/ir/qgraph.js';
import { traceAccumulators, type AccExtremes } from '../../src/hw/acc-trace.js';
import { accumulatorBound, accumulatorBounds, signedBits, valueRanges } from '../../src/hw/accumulator-width.js';

const gemm = (weights: number[], bias: number[], qmin = -128, qmax = 127): QGemm => ({
  op: 'gemm', name: 'fc', inputs: ['x'], outputs: ['y'], k: weights.length / bias.length, m: bias.length, weights: Int16Array.from(weights),
  weightScale: new Float32Array(bias.length), bias: Int32Array.from(bias), requant: { mult: Int32Array.from(bias.map(() => 2 ** 30)), shift: Int32Array.from(bias.map(() => 40)) }, qmin, qmax,
});

describe('accumulator bound', () => {
  it('signed widths', () => {
    expect([signedBits(0, 0), signedBits(-1, 0), signedBits(0, 1), signedBits(-128, 127), signedBits(-129, 0), signedBits(0, 128)]).toEqual([1, 1, 2, 8, 9, 9]);
  });

  it('is the exact extreme of the partial sums for a ReLU input (x - zx in [0, 127 - zx]), attained by a real input', () => {
    const n = gemm([3, -5, 128, 0, -1, -2], [10, -20]);
    const b = accumulatorBound(n, [-100, 127], -100); // d in [0, 227]
    expect(b.channels).toEqual([[10 - 5 * 227, 10 + (3 + 128) * 227], [-20 - 3 * 227, -20]]);
    expect(b.bits).toBe(signedBits(-20 - 3 * 227 < 10 - 5 * 227 ? -20 - 3 * 227 : 10 - 5 * 227, 10 + 131 * 227));
    expect(b.genericBits).toBe(signedBits(-2 * 3 * 255 * 127, 2 * 3 * 255 * 127));
    // the input that drives channel 0 to its maximum partial sum (x = 127 where w > 0, x = zx elsewhere)
    const q: QGraph = { name: 't', input: { name: 'in', shape: [3], q: { scale: 1, zeroPoint: -100 }, quantized: 'x' }, outputs: [{ name: 'out', shape: [2], quantized: 'y' }],
      values: new Map([['x', { name: 'x', shape: [3], q: { scale: 1, zeroPoint: -100 } }], ['y', { name: 'y', shape: [2], q: { scale: 1, zeroPoint: 0 } }]]), nodes: [n] };
    const ext = new Map<string, AccExtremes>();
    traceAccumulators(q, Float32Array.from([227, 0, 227]), 1, ext);
    expect(ext.get('fc')!.hi).toBe(10 + 131 * 227);
  });

  it('values inherit their producer\'s clamp; the graph input and padding fills widen ranges', () => {
    const n = gemm([1, 1], [0], -7, 127);
    const q: QGraph = { name: 't', input: { name: 'in', shape: [2], q: { scale: 1, zeroPoint: 0 }, quantized: 'x' }, outputs: [{ name: 'o', shape: [2], quantized: 'z' }],
      values: new Map(['x', 'y', 'z'].map((v) => [v, { name: v, shape: [v === 'x' ? 2 : 1], q: { scale: 1, zeroPoint: 0 } }])),
      nodes: [n, { op: 'strided-copy', name: 'pad', inputs: ['y'], outputs: ['z'], inShape: [1], outShape: [2], start: [0], step: [1], lo: [1], hi: [2], fill: -50 }] };
    const r = valueRanges(q);
    expect(r.get('x')).toEqual([-128, 127]);
    expect(r.get('y')).toEqual([-7, 127]);
    expect(r.get('z')).toEqual([-50, 127]);
    expect(accumulatorBounds(q).get('fc')!.channels).toEqual([[-256, 254]]);
  });
});
