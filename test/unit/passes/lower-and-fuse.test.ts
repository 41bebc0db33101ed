// The two stages before int8 quantization: layout lowering (NCHW ONNX ops -> NHWC kernel ops,
// float weights in the kernels' order) and activation fusion on the lowered graph.

import { describe, expect, it } from 'vitest';
import type { LNode } from '../../../src/ir/lowered.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { fuseActivations } from '../../../src/passes/fuse-activations.js';
import { lowerToNhwc } from '../../../src/passes/lower-nhwc.js';
import { buildModel, type ModelSpec } from '../../helpers/onnx-builder.js';

const lower = (spec: ModelSpec) => lowerToNhwc(importOnnxBytes(buildModel(spec)));
const ops = (nodes: LNode[]) => nodes.map((n) => `${n.op}:${n.name}`);
const W = (m: number, c: number, k: number) => ({ name: 'W', dims: [m, c, k, k], data: Float32Array.from({ length: m * c * k * k }, (_, i) => i) });

describe('lowerToNhwc', () => {
  it('conv -> relu -> flatten -> gemm: kernel ops, HWC shapes, OHWI and [m][k] weights', () => {
    const l = lower({
      inputs: [{ name: 'x', dims: [1, 2, 3, 3] }],
      outputs: [{ name: 'z' }],
      nodes: [
        { op: 'Conv', name: 'c', inputs: ['x', 'W'], outputs: ['y'], attrs: { kernel_shape: [2, 2] } },
        { op: 'Relu', name: 'r', inputs: ['y'], outputs: ['a'] },
        { op: 'Flatten', name: 'f', inputs: ['a'], outputs: ['v'] },
        { op: 'Gemm', name: 'g', inputs: ['v', 'B', 'C'], outputs: ['z'], attrs: { transB: 1, alpha: 2, beta: 0.5 } },
      ],
      initializers: [W(3, 2, 2), { name: 'B', dims: [2, 12], data: Float32Array.from({ length: 24 }, (_, i) => i) }, { name: 'C', dims: [2], data: [4, 6] }],
    });
    expect(ops(l.nodes)).toEqual(['conv:c', 'clamp:r', 'to-nchw:f/to-nchw', 'reshape:f', 'gemm:g']);
    expect(Object.fromEntries(l.shapes)).toEqual({ x: [3, 3, 2], y: [2, 2, 3], a: [2, 2, 3], a__nchw: [12], v: [12], z: [2] });
    expect(l.input).toEqual({ name: 'x', shape: [2, 3, 3] });
    expect(l.outputs).toEqual([{ name: 'z', shape: [2], value: 'z' }]);
    const [conv, clamp, toNchw, reshape, gemm] = l.nodes as [Extract<LNode, { op: 'conv' }>, LNode, LNode, LNode, Extract<LNode, { op: 'gemm' }>];
    // OIHW index ((o*2 + c)*2 + i)*2 + j lands at OHWI ((o*2 + i)*2 + j)*2 + c
    expect(Array.from(conv.weights.subarray(0, 8))).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    expect([conv.geometry.oh, conv.geometry.ow, conv.geometry.m, conv.source]).toEqual([2, 2, 3, 'Conv']);
    expect(clamp).toMatchObject({ clamp: { lo: 0, hi: Infinity }, inputs: ['y'], outputs: ['a'], source: 'Relu' });
    expect(toNchw).toMatchObject({ inputs: ['a'], outputs: ['a__nchw'], h: 2, w: 2, c: 3 });
    expect(reshape.inputs).toEqual(['a__nchw']);
    expect([gemm.k, gemm.m, gemm.weights[13], Array.from(gemm.bias!)]).toEqual([12, 2, 26, [2, 3]]); // alpha * B[1][1]; beta * C
  });

  it('pads and slices become strided copies over HWC', () => {
    const l = lower({
      inputs: [{ name: 'x', dims: [1, 2, 4, 4] }],
      outputs: [{ name: 'p' }],
      nodes: [
        { op: 'Slice', name: 's', inputs: ['x', 'st', 'en', 'ax', 'sp'], outputs: ['y'] },
        { op: 'Pad', name: 'p', inputs: ['y', 'pads', 'val'], outputs: ['p'] },
      ],
      initializers: [
        { name: 'st', dims: [2], data: [1, 0], type: 'int64' }, { name: 'en', dims: [2], data: [4, 4], type: 'int64' },
        { name: 'ax', dims: [2], data: [2, 3], type: 'int64' }, { name: 'sp', dims: [2], data: [2, 2], type: 'int64' },
        { name: 'pads', dims: [8], data: [0, 1, 0, 0, 0, 1, 0, 0], type: 'int64' }, { name: 'val', dims: [], data: [0.25] },
      ],
    });
    expect(l.nodes.map((n) => n.op === 'strided-copy' && [n.inShape, n.outShape, n.start, n.step, n.lo, n.hi, n.padValue])).toEqual([
      [[4, 4, 2], [2, 2, 2], [1, 0, 0], [2, 2, 1], [0, 0, 0], [2, 2, 2], 0],
      [[2, 2, 2], [2, 2, 4], [0, 0, 0], [1, 1, 1], [0, 0, 1], [2, 2, 3], 0.25],
    ]);
  });

  it('names the node and op that has no integer kernel, and a constant used as an activation', () => {
    expect(() => lower({
      inputs: [{ name: 'x', dims: [1, 2, 4, 4] }], outputs: [{ name: 'y' }],
      nodes: [{ op: 'BatchNormalization', name: 'bn', inputs: ['x', 's', 's', 's', 's'], outputs: ['y'] }],
      initializers: [{ name: 's', dims: [2], data: [1, 1] }],
    })).toThrow("node 'bn' (BatchNormalization): this op has no integer kernel");
    expect(() => lower({
      inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
      nodes: [{ op: 'Add', name: 'a', inputs: ['x', 'K'], outputs: ['y'] }],
      initializers: [{ name: 'K', dims: [1, 4], data: [1, 2, 3, 4] }],
    })).toThrow("node 'a' (Add): adding a constant has no integer kernel (only a scalar)");
  });
});

describe('fuseActivations', () => {
  const spec = (nodes: ModelSpec['nodes'], outputs: string[]): ModelSpec => ({
    inputs: [{ name: 'x', dims: [1, 1, 4, 4] }], outputs: outputs.map((name) => ({ name })), nodes, initializers: [W(1, 1, 1)],
  });

  it('folds a Relu or Clip that is the only reader of a conv, gemm or add output into its clamp', () => {
    const l = fuseActivations(lower(spec([
      { op: 'Conv', name: 'c', inputs: ['x', 'W'], outputs: ['y'] },
      { op: 'Clip', name: 'k', inputs: ['y'], outputs: ['a'], attrs: { min: -1, max: 6 } },
      { op: 'Add', name: 'add', inputs: ['a', 'a'], outputs: ['s'] },
      { op: 'Relu', name: 'r', inputs: ['s'], outputs: ['t'] },
    ], ['t'], )));
    expect(ops(l.nodes)).toEqual(['conv:c', 'add:add']);
    expect(l.nodes.map((n) => [n.inputs, n.outputs, 'clamp' in n ? n.clamp : undefined])).toEqual([
      [['x'], ['a'], { lo: -1, hi: 6 }], [['a', 'a'], ['t'], { lo: 0, hi: Infinity }],
    ]);
    expect([...l.shapes.keys()]).toEqual(['x', 'a', 't']);
  });

  it('leaves the activation alone after another op, after a graph output, with a second reader, and the second of two', () => {
    const cases: [ModelSpec['nodes'], string[], string[]][] = [
      [[{ op: 'MaxPool', name: 'm', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2] } }, { op: 'Relu', name: 'r', inputs: ['y'], outputs: ['a'] }], ['a'], ['maxpool:m', 'clamp:r']],
      [[{ op: 'Conv', name: 'c', inputs: ['x', 'W'], outputs: ['y'] }, { op: 'Relu', name: 'r', inputs: ['y'], outputs: ['a'] }], ['a', 'y'], ['conv:c', 'clamp:r']],
      [[{ op: 'Conv', name: 'c', inputs: ['x', 'W'], outputs: ['y'] }, { op: 'Relu', name: 'r', inputs: ['y'], outputs: ['a'] }, { op: 'Add', name: 'add', inputs: ['a', 'y'], outputs: ['s'] }], ['s'], ['conv:c', 'clamp:r', 'add:add']],
      [[{ op: 'Conv', name: 'c', inputs: ['x', 'W'], outputs: ['y'] }, { op: 'Relu', name: 'r', inputs: ['y'], outputs: ['a'] }, { op: 'Relu', name: 'r2', inputs: ['a'], outputs: ['b'] }], ['b'], ['conv:c', 'clamp:r2']],
    ];
    for (const [nodes, outputs, want] of cases) expect(ops(fuseActivations(lower(spec(nodes, outputs))).nodes)).toEqual(want);
  });
});
