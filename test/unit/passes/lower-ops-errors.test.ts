// The integer path of every imported op, or a clear error naming the op and the node: the
// issue-12 lowering (src/passes/lower-ops.ts) on the cases it refuses, each a QuantizationError
// (exit 1 in the CLI), never an internal error.

import { describe, expect, it } from 'vitest';
import { QuantizationError } from '../../../src/core/errors.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { lowerToNhwc } from '../../../src/passes/lower-nhwc.js';
import { quantizeInt8 } from '../../../src/quant/quantize-int8.js';
import { buildModel, type ModelSpec } from '../../helpers/onnx-builder.js';

const lowerError = (spec: ModelSpec): string => {
  try {
    lowerToNhwc(importOnnxBytes(buildModel(spec)));
  } catch (e) {
    expect(e).toBeInstanceOf(QuantizationError);
    return (e as Error).message;
  }
  throw new Error('lowering succeeded');
};
const x4 = [{ name: 'x', dims: [1, 2, 4, 4] }];

describe('ops without an integer path are refused by name', () => {
  it('a Transpose inside the network', () => {
    expect(lowerError({ inputs: x4, outputs: [{ name: 'y' }], nodes: [
      { op: 'Relu', name: 'r', inputs: ['x'], outputs: ['a'] },
      { op: 'Transpose', name: 'mid/t', inputs: ['a'], outputs: ['t'], attrs: { perm: [0, 1, 3, 2] } },
      { op: 'Relu', name: 'r2', inputs: ['t'], outputs: ['y'] },
    ] })).toMatch(/^node 'mid\/t' \(Transpose\): a Transpose \(perm \[0,1,3,2\]\) has no integer kernel/);
  });

  it('a Softmax over the width axis, Concat along the batch axis, Mul by a constant tensor, an unsupported broadcast', () => {
    expect(lowerError({ inputs: x4, outputs: [{ name: 'y' }], nodes: [{ op: 'Softmax', name: 'sm', inputs: ['x'], outputs: ['y'], attrs: { axis: 3 } }] }))
      .toMatch(/^node 'sm' \(Softmax\): a Softmax over axis 3 of \[1,2,4,4\] has no integer kernel/);
    expect(lowerError({ inputs: x4, outputs: [{ name: 'y' }], nodes: [{ op: 'Concat', name: 'cat', inputs: ['x', 'x'], outputs: ['y'], attrs: { axis: 0 } }] }))
      .toBe("node 'cat' (Concat): concatenating along the batch axis has no integer kernel");
    expect(lowerError({ inputs: x4, outputs: [{ name: 'y' }], nodes: [{ op: 'Mul', name: 'm', inputs: ['x', 'K'], outputs: ['y'] }], initializers: [{ name: 'K', dims: [2, 1, 1], data: [1, 2] }] }))
      .toMatch(/^node 'm' \(Mul\): multiplying by the constant 'K' of 2 values has no integer kernel/);
    expect(lowerError({ inputs: x4, outputs: [{ name: 'y' }], nodes: [
      { op: 'Slice', name: 's', inputs: ['x', 'st', 'en', 'ax'], outputs: ['row'] },
      { op: 'Mul', name: 'm', inputs: ['x', 'row'], outputs: ['y'] },
    ], initializers: [{ name: 'st', dims: [1], data: [0], type: 'int64' }, { name: 'en', dims: [1], data: [1], type: 'int64' }, { name: 'ax', dims: [1], data: [2], type: 'int64' }] }))
      .toMatch(/^node 'm' \(Mul\): Mul of \[4,4,2\] by \[1,4,2\] \(per image, NHWC\) has no integer kernel/);
  });

  it('MatMul on a map, a 4-D Reshape, a computed weight, a constant Concat input', () => {
    expect(lowerError({ inputs: [{ name: 'x', dims: [1, 2, 3, 4] }], outputs: [{ name: 'y' }], nodes: [{ op: 'MatMul', name: 'mm', inputs: ['x', 'B'], outputs: ['y'] }], initializers: [{ name: 'B', dims: [4, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] }] }))
      .toMatch(/^node 'mm' \(MatMul\): input must be \[N, K\]/);
    expect(lowerError({ inputs: x4, outputs: [{ name: 'y' }], nodes: [{ op: 'Reshape', name: 'rs', inputs: ['x', 's'], outputs: ['y'] }], initializers: [{ name: 's', dims: [4], data: [1, 4, 2, 4], type: 'int64' }] }))
      .toBe("node 'rs' (Reshape): 4-D reshapes have no integer kernel");
    expect(lowerError({ inputs: x4, outputs: [{ name: 'y' }], nodes: [{ op: 'Conv', name: 'c', inputs: ['x', 'x'], outputs: ['y'] }] })).toBe("node 'c' (Conv): weights must be constant");
    expect(lowerError({ inputs: x4, outputs: [{ name: 'y' }], nodes: [{ op: 'Concat', name: 'cat', inputs: ['x', 'W'], outputs: ['y'], attrs: { axis: 1 } }], initializers: [{ name: 'W', dims: [1, 1, 4, 4], data: new Float32Array(16) }] }))
      .toBe("node 'cat' (Concat): concatenating the constant 'W' has no integer kernel");
  });

  it('quantization: a softmax run too long for the integer sum', () => {
    const g = importOnnxBytes(buildModel({ inputs: [{ name: 'x', dims: [1, 40000] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Softmax', name: 'sm', inputs: ['x'], outputs: ['y'] }] }));
    expect(() => quantizeInt8(g, new Map([...g.values.keys()].map((k) => [k, { min: -1, max: 1 }])))).toThrow("node 'sm' (Softmax): a softmax over 40000 values is longer than 32767 (the integer sum would overflow)");
  });
});
