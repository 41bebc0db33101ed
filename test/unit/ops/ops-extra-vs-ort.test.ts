// The ops issue 12 added, run by the float reference engine, against onnxruntime on one-op models.

import { describe, expect, it } from 'vitest';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel, type NodeSpec, type TensorSpec } from '../../helpers/onnx-builder.js';
import { expectAgreesWithOrt, one, type OpCase } from '../../helpers/op-vs-ort.js';
import { mulberry32 } from '../../helpers/rng.js';

type Case = OpCase;

function rand(n: number, seed: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => r() * 8 - 4);
}
const w = (name: string, dims: number[], seed: number): TensorSpec => ({ name, dims, data: rand(dims.reduce((a, b) => a * b, 1), seed) });

const cases: Case[] = [
  { name: 'AveragePool 8x8 (MobileNet head)', x: [2, 5, 8, 8], nodes: one('AveragePool', ['x'], { kernel_shape: [8, 8] }) },
  { name: 'AveragePool 3x3 s2 ceil, exclude pad', x: [1, 3, 7, 8], nodes: one('AveragePool', ['x'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 1], ceil_mode: 1 }) },
  { name: 'AveragePool 2x3 s1 include pad, asymmetric', x: [1, 2, 5, 6], nodes: one('AveragePool', ['x'], { kernel_shape: [2, 3], pads: [1, 2, 0, 1], count_include_pad: 1 }) },
  { name: 'Sigmoid', x: [2, 3, 4, 5], nodes: one('Sigmoid', ['x']) },
  { name: 'HardSigmoid default', x: [2, 30], nodes: one('HardSigmoid', ['x']) },
  { name: 'HardSigmoid alpha beta', x: [2, 30], nodes: one('HardSigmoid', ['x'], { alpha: 0.1666666716337204, beta: 0.5 }) },
  { name: 'HardSwish (opset 14)', x: [2, 3, 4, 5], nodes: one('HardSwish', ['x']), opset: 14 },
  { name: 'LeakyRelu alpha 0.1', x: [2, 3, 4, 5], nodes: one('LeakyRelu', ['x'], { alpha: 0.1 }) },
  { name: 'LeakyRelu default', x: [3, 7], nodes: one('LeakyRelu', ['x']) },
  { name: 'Tanh', x: [2, 3, 4, 5], nodes: one('Tanh', ['x']) },
  { name: 'Elu alpha 0.5', x: [2, 3, 4, 5], nodes: one('Elu', ['x'], { alpha: 0.5 }) },
  { name: 'Softplus', x: [2, 40], nodes: one('Softplus', ['x']) },
  { name: 'Selu default', x: [2, 40], nodes: one('Selu', ['x']) },
  { name: 'Selu alpha gamma', x: [2, 40], nodes: one('Selu', ['x'], { alpha: 1.5, gamma: 0.5 }) },
  { name: 'Abs', x: [2, 40], nodes: one('Abs', ['x']) },
  { name: 'Neg', x: [2, 40], nodes: one('Neg', ['x']) },
  { name: 'Mul same shape', x: [2, 3, 4, 5], nodes: [{ op: 'Sigmoid', inputs: ['x'], outputs: ['s'] }, { op: 'Mul', inputs: ['x', 's'], outputs: ['y'] }] },
  {
    name: 'Mul squeeze-excitation broadcast [N,C,H,W] x [N,C,1,1]', x: [2, 3, 4, 5],
    nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['g'] }, { op: 'HardSigmoid', inputs: ['g'], outputs: ['s'] }, { op: 'Mul', inputs: ['s', 'x'], outputs: ['y'] }],
  },
  { name: 'Mul by a constant', x: [2, 6], nodes: one('Mul', ['x', 'k']), inits: [w('k', [6], 3)] },
  { name: 'Softmax [N, K] (opset 13, axis -1)', x: [3, 10], nodes: one('Softmax', ['x']) },
  { name: 'Softmax over channels (opset 13, axis 1)', x: [2, 4, 3, 3], nodes: one('Softmax', ['x'], { axis: 1 }) },
  { name: 'Softmax flattened (opset 11, axis 1)', x: [2, 4, 3, 3], nodes: one('Softmax', ['x'], { axis: 1 }), opset: 11 },
  { name: 'Dropout (opset 13, ratio input)', x: [2, 3, 4, 5], nodes: one('Dropout', ['x', 'r']), inits: [{ name: 'r', dims: [], data: [0.3] }] },
  { name: 'Dropout (opset 10)', x: [2, 7], nodes: one('Dropout', ['x'], { ratio: 0.5 }), opset: 10 },
  { name: 'Transpose NHWC -> NCHW', x: [2, 4, 5, 3], nodes: one('Transpose', ['x'], { perm: [0, 3, 1, 2] }) },
  { name: 'Transpose default (reverse)', x: [2, 3, 4], nodes: one('Transpose', ['x']) },
];

describe('issue-12 float ops agree with onnxruntime', () => {
  for (const c of cases) {
    it(c.name, async () => {
      await expectAgreesWithOrt(c, Float32Array.from(rand(c.x.reduce((a, b) => a * b, 1), 99)));
    });
  }

  it('refuses a Transpose perm that is no permutation, naming the node', () => {
    const m = (perm: number[]) => buildModel({ inputs: [{ name: 'x', dims: [1, 2, 3] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Transpose', name: 't', inputs: ['x'], outputs: ['y'], attrs: { perm } }] });
    expect(() => importOnnxBytes(m([0, 0, 1]))).toThrow("node 't' (Transpose): perm [0,0,1] is not a permutation of the 3 axes");
  });
});
