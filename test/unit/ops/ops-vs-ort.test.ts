// Every imported op, run by the float reference engine, against onnxruntime on one-op models.

import { describe, expect, it } from 'vitest';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel, type NodeSpec, type TensorSpec } from '../../helpers/onnx-builder.js';
import { expectAgreesWithOrt, one, type OpCase } from '../../helpers/op-vs-ort.js';
import { mulberry32 } from '../../helpers/rng.js';

type Case = OpCase;

function rand(n: number, seed: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => r() * 4 - 2);
}
const w = (name: string, dims: number[], seed: number): TensorSpec => ({ name, dims, data: rand(dims.reduce((a, b) => a * b, 1), seed) });
const i64 = (name: string, data: number[]): TensorSpec => ({ name, dims: [data.length], data, type: 'int64' });

const cases: Case[] = [
  { name: 'Conv 3x3 pad 1 + bias', x: [2, 3, 7, 6], nodes: one('Conv', ['x', 'W', 'B'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), inits: [w('W', [5, 3, 3, 3], 1), w('B', [5], 2)] },
  { name: 'Conv stride 2, asymmetric pads, no bias', x: [1, 4, 9, 8], nodes: one('Conv', ['x', 'W'], { strides: [2, 2], pads: [0, 1, 2, 1] }), inits: [w('W', [3, 4, 3, 2], 3)] },
  { name: 'Conv dilation 2', x: [1, 2, 10, 9], nodes: one('Conv', ['x', 'W'], { dilations: [2, 2], pads: [2, 2, 2, 2] }), inits: [w('W', [3, 2, 3, 3], 4)] },
  { name: 'Conv group 2', x: [2, 4, 6, 6], nodes: one('Conv', ['x', 'W', 'B'], { group: 2, pads: [1, 1, 1, 1] }), inits: [w('W', [6, 2, 3, 3], 5), w('B', [6], 6)] },
  { name: 'Conv depthwise stride 2', x: [1, 5, 7, 7], nodes: one('Conv', ['x', 'W'], { group: 5, strides: [2, 2], pads: [1, 1, 1, 1] }), inits: [w('W', [5, 1, 3, 3], 7)] },
  { name: 'Conv 1x1', x: [3, 6, 4, 5], nodes: one('Conv', ['x', 'W'], { kernel_shape: [1, 1] }), inits: [w('W', [7, 6, 1, 1], 8)] },
  { name: 'Conv auto_pad SAME_UPPER stride 2', x: [1, 2, 7, 6], nodes: one('Conv', ['x', 'W'], { auto_pad: 'SAME_UPPER', strides: [2, 2] }), inits: [w('W', [2, 2, 4, 4], 9)] },
  { name: 'Conv auto_pad SAME_LOWER', x: [1, 2, 6, 6], nodes: one('Conv', ['x', 'W'], { auto_pad: 'SAME_LOWER' }), inits: [w('W', [2, 2, 2, 2], 10)] },
  { name: 'BatchNormalization', x: [2, 3, 4, 4], nodes: one('BatchNormalization', ['x', 's', 'b', 'm', 'v'], { epsilon: 1e-3 }), inits: [w('s', [3], 11), w('b', [3], 12), w('m', [3], 13), { name: 'v', dims: [3], data: [0.5, 1.5, 2] }] },
  { name: 'Relu', x: [2, 3, 4, 5], nodes: one('Relu', ['x']) },
  { name: 'Clip with min/max inputs', x: [2, 3, 4, 5], nodes: one('Clip', ['x', 'lo', 'hi']), inits: [{ name: 'lo', dims: [], data: [-0.5] }, { name: 'hi', dims: [], data: [1.25] }] },
  { name: 'Clip opset 6 attributes', x: [1, 10], nodes: one('Clip', ['x'], { min: -1.5, max: 0.5 }), opset: 6 },
  { name: 'Add broadcast', x: [2, 3, 4, 5], nodes: one('Add', ['x', 'c']), inits: [w('c', [3, 1, 1], 14)] },
  { name: 'Add same shape (residual)', x: [2, 3, 4, 5], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Add', inputs: ['x', 'r'], outputs: ['y'] }] },
  { name: 'Pad constant with value (opset 13)', x: [1, 2, 3, 4], nodes: one('Pad', ['x', 'p', 'v'], { mode: 'constant' }), inits: [i64('p', [0, 1, 2, 0, 0, 3, 0, 1]), { name: 'v', dims: [], data: [0.75] }] },
  { name: 'Pad negative (crop)', x: [1, 2, 5, 5], nodes: one('Pad', ['x', 'p']), inits: [i64('p', [0, 0, -1, 2, 0, 0, 1, -2])] },
  { name: 'Slice step 2 (option-A shortcut)', x: [2, 4, 8, 8], nodes: one('Slice', ['x', 's', 'e', 'a', 'st']), inits: [i64('s', [0, 0]), i64('e', [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]), i64('a', [2, 3]), i64('st', [2, 2])] },
  { name: 'Slice negative step and negative indices', x: [2, 6, 5], nodes: one('Slice', ['x', 's', 'e', 'a', 'st']), inits: [i64('s', [-1, 4]), i64('e', [-100, 0]), i64('a', [1, 2]), i64('st', [-2, -1])] },
  { name: 'Concat axis 1', x: [2, 3, 2, 2], nodes: one('Concat', ['x', 'c', 'x'], { axis: 1 }), inits: [w('c', [2, 1, 2, 2], 15)] },
  { name: 'MaxPool 3x3 s2 pads ceil', x: [1, 2, 8, 7], nodes: one('MaxPool', ['x'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }) },
  { name: 'MaxPool 2x2 dilation 2', x: [2, 1, 7, 7], nodes: one('MaxPool', ['x'], { kernel_shape: [2, 2], dilations: [2, 2] }) },
  { name: 'AveragePool exclude pad', x: [1, 3, 6, 5], nodes: one('AveragePool', ['x'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }) },
  { name: 'AveragePool include pad, ceil', x: [1, 2, 6, 6], nodes: one('AveragePool', ['x'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1, ceil_mode: 1 }) },
  { name: 'GlobalAveragePool', x: [2, 5, 3, 4], nodes: one('GlobalAveragePool', ['x']) },
  { name: 'Flatten axis 2', x: [2, 3, 4, 5], nodes: one('Flatten', ['x'], { axis: 2 }) },
  { name: 'Reshape with 0 and -1', x: [2, 3, 4, 5], nodes: one('Reshape', ['x', 's']), inits: [i64('s', [0, -1, 5])] },
  { name: 'Gemm transB + bias (linear)', x: [3, 6], nodes: one('Gemm', ['x', 'W', 'B'], { transB: 1 }), inits: [w('W', [4, 6], 16), w('B', [4], 17)] },
  { name: 'Gemm transA alpha beta, C row', x: [6, 3], nodes: one('Gemm', ['x', 'W', 'C'], { transA: 1, alpha: 0.5, beta: 1.5 }), inits: [w('W', [6, 4], 18), w('C', [1, 4], 19)] },
  { name: 'MatMul batched broadcast', x: [2, 3, 4], nodes: one('MatMul', ['x', 'W']), inits: [w('W', [4, 5], 20)] },
  { name: 'MatMul rank-1 right', x: [3, 4], nodes: one('MatMul', ['x', 'v']), inits: [w('v', [4], 21)] },
  { name: 'Identity', x: [2, 2], nodes: one('Identity', ['x']) },
  {
    name: 'Constant + Add',
    x: [2, 3],
    nodes: [{ op: 'Constant', inputs: [], outputs: ['k'], attrs: { value: { tensor: w('k', [3], 22) } } }, { op: 'Add', inputs: ['x', 'k'], outputs: ['y'] }],
  },
  {
    // torch.flatten as PyTorch exports it: Shape -> Gather -> Unsqueeze -> Concat -> Reshape
    name: 'Shape/Gather/Unsqueeze/Concat folding into Reshape',
    x: [2, 3, 4, 5],
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['sh'] },
      { op: 'Constant', inputs: [], outputs: ['zero'], attrs: { value: { tensor: { name: 'z', dims: [], data: [0], type: 'int64' } } } },
      { op: 'Gather', inputs: ['sh', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
      { op: 'Unsqueeze', inputs: ['n', 'ax'], outputs: ['n1'] },
      { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
    ],
    inits: [i64('ax', [0]), i64('minus1', [-1])],
  },
];

describe('float reference ops agree with onnxruntime', () => {
  for (const c of cases) {
    it(c.name, async () => {
      await expectAgreesWithOrt(c, Float32Array.from(rand(c.x.reduce((a, b) => a * b, 1), 99)));
    });
  }

  it('folds the PyTorch flatten chain to constants (no Shape/Gather node left)', () => {
    const c = cases.at(-1)!;
    const g = importOnnxBytes(buildModel({ inputs: [{ name: 'x', dims: c.x }], outputs: [{ name: 'y' }], nodes: c.nodes, initializers: c.inits }), { batch: 2 });
    expect(g.nodes.map((n) => n.op)).toEqual(['Reshape']);
    expect(g.values.get('y')!.shape).toEqual([2, 60]);
  });
});
