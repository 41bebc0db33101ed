import { describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { activationParams, quantizeValue, quantizeWeights } from '../../../src/quant/qparams.js';
import { quantizeInt8 } from '../../../src/quant/quantize-int8.js';
import { QuantizationError } from '../../../src/core/errors.js';
import { quantizeMultiplier } from '../../../src/core/fixed-point.js';
import { requantize, roundingShift } from '../../../src/core/requant.js';
import { roundHalfEven } from '../../../src/core/rounding.js';
import { buildModel } from '../../helpers/onnx-builder.js';

describe('rounding and requantization', () => {
  it('roundHalfEven ties to even, otherwise nearest', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, -2.5001, 3].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3, 3]);
  });

  it('requantize is floor((acc*mult + 2^(shift-1)) / 2^shift), exactly (checked with BigInt)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), fc.integer({ min: 2 ** 30, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 62 }), (acc, mult, shift) => {
        const exact = (BigInt(acc) * BigInt(mult) + (1n << BigInt(shift - 1))) >> BigInt(shift);
        return requantize(acc, mult, shift) === Number(exact);
      }),
      { numRuns: 20_000, seed: 11 },
    );
    expect(requantize(3, 2 ** 30, 31)).toBe(2); // 1.5 -> 2: halves go up
    expect(requantize(-3, 2 ** 30, 31)).toBe(-1); // -1.5 -> -1: halves go up
  });

  it('quantizeMultiplier represents the scale to 31 bits, shift in 1..62', () => {
    fc.assert(
      fc.property(fc.double({ min: 2 ** -31, max: 2 ** 20, noNaN: true }), (real) => {
        const { mult, shift } = quantizeMultiplier(real);
        return mult >= 2 ** 30 && mult < 2 ** 31 && shift >= 1 && shift <= 62 && Math.abs(mult * 2 ** -shift - real) <= real * 2 ** -30;
      }),
      { numRuns: 5000, seed: 5 },
    );
    expect(() => quantizeMultiplier(0)).toThrow(QuantizationError);
    expect(() => quantizeMultiplier(Number.NaN)).toThrow(/positive finite/);
    expect(() => quantizeMultiplier(2 ** 40)).toThrow(/outside the supported range/);
  });

  it('roundingShift is the 32-bit twin', () => {
    expect([roundingShift(5, 1), roundingShift(-5, 1), roundingShift(6, 2), roundingShift(-6, 2)]).toEqual([3, -2, 2, -1]);
  });
});

describe('quantization parameters', () => {
  it('activations: 0.0 is exact, the range maps onto [-128, 127]', () => {
    const q = activationParams({ min: -1, max: 3 }, 'x');
    expect(q.scale).toBeCloseTo(4 / 255, 12);
    expect(quantizeValue(0, q)).toBe(q.zeroPoint);
    expect(quantizeValue(-1, q)).toBe(-128);
    expect(quantizeValue(3, q)).toBe(127);
    const relu = activationParams({ min: 0, max: 6 }, 'y');
    expect(relu.zeroPoint).toBe(-128);
    expect(activationParams({ min: 0, max: 0 }, 'z').scale).toBeGreaterThan(0);
  });

  it('weights: symmetric in [-127, 127], per channel or per tensor; NaN/Inf rejected', () => {
    const w = Float32Array.from([1, -0.5, 0.25, 0.1, -0.2, 0.05]);
    const pc = quantizeWeights(w, 2, false, 'w');
    expect(Array.from(pc.q)).toEqual([127, -64, 32, 64, -127, 32]);
    const pt = quantizeWeights(w, 2, true, 'w');
    expect(Array.from(pt.scale)).toEqual([Math.fround(1 / 127), Math.fround(1 / 127)]);
    expect(Array.from(pt.q)).toEqual([127, -64, 32, 13, -25, 6]);
    expect(() => quantizeWeights(Float32Array.from([1, Number.NaN]), 1, false, "node 'c'")).toThrow("node 'c': weight 1 is NaN (NaN or Inf weights cannot be quantized)");
    expect(() => quantizeWeights(Float32Array.from([Infinity]), 1, false, 'w')).toThrow(/Infinity/);
  });
});

describe('quantizeInt8 on small graphs', () => {
  const everything = (g: ReturnType<typeof importOnnxBytes>) => new Map([...g.values.keys()].map((k) => [k, { min: -1, max: 1 }]));

  it('names the op and node that has no integer kernel', () => {
    const m = buildModel({
      inputs: [{ name: 'x', dims: [1, 2, 4, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'BatchNormalization', name: 'bn', inputs: ['x', 's', 'b', 'm', 'v'], outputs: ['y'] }],
      initializers: ['s', 'b', 'm', 'v'].map((name) => ({ name, dims: [2], data: [1, 1] })),
    });
    const g = importOnnxBytes(m); // a BatchNormalization no Conv precedes is not folded
    expect(() => quantizeInt8(g, everything(g))).toThrow("node 'bn' (BatchNormalization): this op has no integer kernel");
  });

  it('rejects NaN weights by node', () => {
    const m = buildModel({
      inputs: [{ name: 'x', dims: [1, 1, 3, 3] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Conv', name: 'c1', inputs: ['x', 'W'], outputs: ['y'] }],
      initializers: [{ name: 'W', dims: [1, 1, 1, 1], data: [Number.NaN] }],
    });
    const g = importOnnxBytes(m);
    expect(() => quantizeInt8(g, everything(g))).toThrow("node 'c1': weight 0 is NaN (NaN or Inf weights cannot be quantized)");
  });

  it('fuses Relu into the conv clamp and reports a missing range', () => {
    const m = buildModel({
      inputs: [{ name: 'x', dims: [1, 1, 3, 3] }],
      outputs: [{ name: 'r' }],
      nodes: [
        { op: 'Conv', name: 'c', inputs: ['x', 'W'], outputs: ['y'] },
        { op: 'Relu', name: 'relu', inputs: ['y'], outputs: ['r'] },
      ],
      initializers: [{ name: 'W', dims: [2, 1, 1, 1], data: [0.5, -0.5] }],
    });
    const g = importOnnxBytes(m);
    const q = quantizeInt8(g, new Map([['x', { min: -1, max: 1 }], ['r', { min: 0, max: 0.5 }], ['y', { min: -0.5, max: 0.5 }]]));
    expect(q.nodes.map((n) => n.op)).toEqual(['conv']);
    const conv = q.nodes[0]!;
    expect(conv.outputs).toEqual(['r']);
    expect(conv.op === 'conv' && [conv.qmin, conv.qmax]).toEqual([-128, 127]);
    expect(q.values.get('r')!.q.zeroPoint).toBe(-128);
    expect(() => quantizeInt8(g, new Map([['x', { min: -1, max: 1 }]]))).toThrow("no calibration range for value 'r'");
  });
});
