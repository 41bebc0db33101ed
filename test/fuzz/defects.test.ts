// Regression tests, one group per defect class of issue 9 (found by fuzzing): each input
// below used to crash (exit 70), or to be accepted by one stage and thrown by the next.

import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, readQModel, writeQModel } from '../../src/format/qmodel.js';
import { ModelError } from '../../src/ir/errors.js';
import type { QAdd } from '../../src/ir/qgraph.js';
import { quantizeInt8 } from '../../src/quant/quantize-int8.js';
import { plan } from '../../src/plan/planner.js';
import { F32Executor } from '../../src/runtime/f32-executor.js';
import { FloatModel } from '../../src/runtime/float-model.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { runQReference } from '../../src/runtime/reference/q-reference-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { buildModel, type ModelSpec, type NodeSpec, type TensorSpec } from '../helpers/onnx-builder.js';
import { images } from './chain.js';
import { editDq } from './dq-edit.js';
import { dqSeeds } from './run.js';

type Engine = Awaited<ReturnType<typeof loadEngine>>;
let engine: Engine;
let smallDq: Uint8Array;
beforeAll(async () => {
  engine = await loadEngine();
  smallDq = (await dqSeeds(engine))[0]!;
});

function importError(spec: ModelSpec): string {
  try {
    FloatModel.fromBytes(buildModel(spec));
  } catch (e) {
    expect(e, (e as Error).stack).toBeInstanceOf(ModelError);
    return (e as Error).message;
  }
  throw new Error('the model was accepted');
}

const X = { name: 'x', dims: [1, 2, 4, 4] };
const W: TensorSpec = { name: 'w', dims: [2, 2, 1, 1], data: [1, 0, 0, 1] };
const net = (nodes: NodeSpec[], initializers: TensorSpec[] = [], out = 'y'): ModelSpec => ({ inputs: [X], outputs: [{ name: out }], nodes, initializers });

describe('class 1: the reader, the engine and the kernels accept the same ranges', () => {
  it('an Add multiplier of 2^22 is refused by the reader; 2^22 - 1 reads and runs on wasm as on the reference', () => {
    const set = (v: number) => editDq(smallDq, (g) => { for (const n of g.nodes) if (n.op === 'add') n.aMult = v; });
    expect(() => readQModel(set(2 ** 22))).toThrow(FormatError);
    expect(() => readQModel(set(2 ** 22))).toThrow(/aMult = 4194304 is outside the supported range \[-2\^22-1, 2\^22-1\] \(addMult limit\)/);
    const q = readQModel(set(2 ** 22 - 1));
    const x = images(q.input.shape.reduce((p, d) => p * d, 1), 5);
    expect(new QExecutor(q, engine, 1).runQuantized(x, 1)).toEqual(runQReference(q, x, 1).quantized);
  });

  it('a global average pool over 2^23 pixels is refused by the reader, before anything is sized', () => {
    const big = editDq(smallDq, (g) => { for (const n of g.nodes) if (n.op === 'gavgpool') { n.h = 2 ** 12; n.w = 2 ** 11; } });
    expect(() => readQModel(big)).toThrow(/pixels h\*w = 8388608 is outside the supported range \[1, 2\^23-1\]/);
  });

  it('a bias that can overflow the int32 accumulator is refused (wasm wraps modulo 2^32, the reference does not)', () => {
    const q = readQModel(smallDq);
    const conv = q.nodes.find((n) => n.op === 'conv')!;
    if (conv.op !== 'conv') throw new Error('no conv');
    conv.bias[0] = -(2 ** 31);
    expect(() => writeQModel(q)).toThrow(/channel 0 can overflow the int32 accumulator/);
  });

  it('the quantizer never rounds an Add multiplier up to 2^22 (scale ratio just below 1)', async () => {
    const g = FloatModel.fromBytes(buildModel(net([
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['a'] }, { op: 'Conv', inputs: ['x', 'w'], outputs: ['b'] }, { op: 'Add', inputs: ['a', 'b'], outputs: ['y'] },
    ], [W]))).graphFor(1);
    const ranges = new Map([['x', { min: 0, max: 1 }], ['a', { min: 0, max: 1 - 1e-8 }], ['b', { min: 0, max: 1 - 1e-8 }], ['y', { min: 0, max: 1 }]]);
    const q = quantizeInt8(g, ranges);
    const add = q.nodes.find((n): n is QAdd => n.op === 'add')!;
    expect(Math.abs(add.aMult)).toBeLessThanOrEqual(2 ** 22 - 1);
    expect(add.aMult).toBeGreaterThan(2 ** 20); // still full precision
    const back = readQModel(writeQModel(q));
    const x = images(32, 9);
    expect(new QExecutor(back, engine, 1).runQuantized(x, 1)).toEqual(runQReference(back, x, 1).quantized);
  });
});

describe('class 4: memory is planned before it is allocated', () => {
  const big = (batch: number | string) => FloatModel.fromBytes(buildModel({
    inputs: [{ name: 'x', dims: [batch, 16, 64, 64] }], outputs: [{ name: 'y' }], initializers: [{ name: 'w', dims: [16, 16, 1, 1], data: Array.from({ length: 256 }, (_, i) => (i % 17 === 0 ? 1 : 0)) }],
    nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['a'] }, { op: 'Conv', inputs: ['x', 'w'], outputs: ['b'] }, { op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }],
  })).graphFor(1);
  it('the planner refuses an arena over the limit with a ModelError, before any allocation', () => {
    const ranges = new Map(['x', 'a', 'b', 'y'].map((v) => [v, { min: -1, max: 1 }]));
    const q = quantizeInt8(big('N'), ranges);
    expect(plan(q, 64).arenaBytes).toBeGreaterThan(0);
    expect(() => plan(q, 60000)).toThrow(ModelError);
    expect(() => plan(q, 60000)).toThrow(/at batch 60000 needs \d+ MiB of activation memory, more than the 2048 MiB limit/);
    expect(() => plan(q, 2 ** 20)).toThrow(/batch = 1048576 is outside the supported range/);
  });
  it('the float engine too', () => {
    const g = FloatModel.fromBytes(buildModel({
      inputs: [{ name: 'x', dims: ['N', 16, 64, 64] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['a'] }, { op: 'Add', inputs: ['a', 'x'], outputs: ['y'] }],
    })).graphFor(20000);
    expect(() => new F32Executor(g)).toThrow(/a float run of .* at batch 20000 needs \d+ MiB of tensors at once, more than the 2048 MiB limit/);
  });
});

describe('class 2: what quantize writes, the reader reads (refused at import instead)', () => {
  it('two nodes writing the same value', () => {
    expect(importError(net([{ op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'first' }, { op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'second' }])))
      .toMatch(/node 'second' \(Relu\): output 'y' is already written .*one producer per value/);
  });

  it('a Conv stride of 2^40', () => {
    expect(importError(net([{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'c', attrs: { strides: [2 ** 40, 1] } }], [W])))
      .toMatch(/node 'c' \(Conv\): stride \(height\) = 1099511627776 is outside the supported range \[1, 2\^16\]/);
  });

  it('the writer refuses a graph outside the limits (QuantizationError) instead of writing it', () => {
    const q = readQModel(smallDq);
    const add = q.nodes.find((n): n is QAdd => n.op === 'add')!;
    add.aMult = 2 ** 22;
    expect(() => writeQModel(q)).toThrow(/cannot be stored as \.dq: .*addMult limit/);
  });
});

describe('class 3: the importer checks types and shapes, and names the node and the input', () => {
  const i64 = (name: string, data: number[]): TensorSpec => ({ name, dims: [data.length], data, type: 'int64' });
  it('float Slice parameters', () => {
    expect(importError(net([{ op: 'Slice', inputs: ['x', 's', 'e'], outputs: ['y'], name: 'sl' }], [{ name: 's', dims: [1], data: [0] }, { name: 'e', dims: [1], data: [1] }])))
      .toMatch(/node 'sl' \(Slice\): input 1 's' is float32, expected int64 or int32/);
  });
  it('an int64 bias', () => {
    expect(importError(net([{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], name: 'c' }], [W, i64('b', [1, 2])])))
      .toMatch(/node 'c' \(Conv\): input 2 'b' is int64, expected float32/);
  });
  it('an int64 constant into Relu (folded at import)', () => {
    expect(importError(net([{ op: 'Relu', inputs: ['k'], outputs: ['r'], name: 'r' }, { op: 'Identity', inputs: ['x'], outputs: ['y'] }], [i64('k', [1, -1])])))
      .toMatch(/node 'r' \(Relu\): input 0 'k' is int64, expected float32/);
  });
  it('a 1-D tensor into GlobalAveragePool', () => {
    expect(importError(net([{ op: 'Flatten', inputs: ['x'], outputs: ['f'], attrs: { axis: 0 } }, { op: 'Reshape', inputs: ['f', 's'], outputs: ['v'] },
      { op: 'GlobalAveragePool', inputs: ['v'], outputs: ['y'], name: 'gap' }], [i64('s', [-1])])))
      .toMatch(/node 'gap' \(GlobalAveragePool\): X must have spatial axes/);
  });
  for (const big of [2 ** 40, 2 ** 53]) {
    it(`pads of ${big === 2 ** 40 ? '2^40' : '2^53'} (on an input and on a folded constant)`, () => {
      expect(importError(net([{ op: 'Pad', inputs: ['x', 'p'], outputs: ['y'], name: 'pad' }], [i64('p', [0, 0, big, 0, 0, 0, 0, 0])])))
        .toMatch(/node 'pad' \(Pad\): 'y' has shape \[1,2,\d+,4\]: axis 2 = \d+ exceeds/);
      expect(importError(net([{ op: 'Pad', inputs: ['k', 'p'], outputs: ['kp'], name: 'padk' }, { op: 'Identity', inputs: ['x'], outputs: ['y'] }],
        [{ name: 'k', dims: [2], data: [1, 2] }, i64('p', [big, 0])]))).toMatch(/node 'padk' \(Pad\): 'kp' has shape \[\d+\]: axis 0 = \d+ exceeds/);
    });
  }
  it('negative pads that make a batch of 0', () => {
    expect(importError(net([{ op: 'Pad', inputs: ['x', 'p'], outputs: ['y'], name: 'crop' }], [i64('p', [-1, 0, 0, 0, 0, 0, 0, 0])])))
      .toMatch(/node 'crop' \(Pad\): (negative pads crop more than the input has|'y' has shape \[0,2,4,4\]: axis 0 = 0 is not positive)/);
  });
});
