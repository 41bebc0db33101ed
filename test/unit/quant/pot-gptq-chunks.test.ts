// The statistics pass of output-aware rounding in chunks, layer-major (src/quant/pot-gptq.ts,
// src/runtime/f32-layer-major.ts, src/runtime/batch-split.ts): the same bytes as one batch of
// all images, on a small model with a plain conv, a depthwise conv, a grouped conv without bias,
// a residual Add and a Gemm; and graphs whose batch cannot be cut are recognised.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifar10FromBytes } from '../../../src/data/cifar10.js';
import { writeQModel } from '../../../src/format/qmodel.js';
import { f32 } from '../../../src/ir/tensor.js';
import type { QGraph } from '../../../src/ir/qgraph.js';
import { calibrate } from '../../../src/quant/calibrate.js';
import { quantizePotGptq } from '../../../src/quant/pot-gptq.js';
import { accumulate, StatsAccumulator, type Stats } from '../../../src/quant/pot-hessian.js';
import { layerFloatWeights, quantizeInt8 } from '../../../src/quant/quantize-int8.js';
import { quantizePot, resolveLayers, weightLayers } from '../../../src/quant/quantize-pot.js';
import { correctPotBias } from '../../../src/quant/bias-correction.js';
import { batchSplitProblem } from '../../../src/runtime/batch-split.js';
import { FloatModel } from '../../../src/runtime/float-model.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import type { Engine } from '../../../src/engine/engine.js';
import { buildModel, SHARED, type NodeSpec, type TensorSpec } from '../../helpers/onnx-builder.js';
import { CIFAR_NORM } from '../../helpers/resnet.js';
import { mulberry32 } from '../../helpers/rng.js';

function weights(seed: number, name: string, dims: number[]): TensorSpec {
  const r = mulberry32(seed), n = dims.reduce((a, b) => a * b, 1);
  return { name, dims, data: Float32Array.from({ length: n }, () => (r() - 0.5) * 0.6) };
}

/** conv 3->8 (bias) -> Relu -> depthwise 3x3 stride 2 (bias) -> Clip -> 1x1 group 2 (no bias) -> Relu, + the Clip output -> GAP -> Gemm */
function smallModel(extra: NodeSpec[] = [], out = 'y', batch: number | 'N' = 'N'): FloatModel {
  return FloatModel.fromBytes(buildModel({
    inputs: [{ name: 'x', dims: [batch, 3, 32, 32] }],
    outputs: [{ name: out }],
    nodes: [
      { op: 'Conv', name: 'c1', inputs: ['x', 'W1', 'B1'], outputs: ['a1'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['a1'], outputs: ['r1'] },
      { op: 'Conv', name: 'dw', inputs: ['r1', 'W2', 'B2'], outputs: ['a2'], attrs: { group: 8, strides: [2, 2], pads: [1, 1, 1, 1] } },
      { op: 'Clip', inputs: ['a2', 'lo', 'hi'], outputs: ['r2'] },
      { op: 'Conv', name: 'g2', inputs: ['r2', 'W3'], outputs: ['a3'], attrs: { group: 2 } },
      { op: 'Relu', inputs: ['a3'], outputs: ['r3'] },
      { op: 'Add', inputs: ['r3', 'r2'], outputs: ['s'] },
      { op: 'GlobalAveragePool', inputs: ['s'], outputs: ['p'] },
      { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
      { op: 'Gemm', name: 'fc', inputs: ['f', 'W4', 'B4'], outputs: ['y'], attrs: { transB: 1 } },
      ...extra,
    ],
    initializers: [
      weights(1, 'W1', [8, 3, 3, 3]), weights(2, 'B1', [8]), weights(3, 'W2', [8, 1, 3, 3]), weights(4, 'B2', [8]),
      weights(5, 'W3', [8, 4, 1, 1]), weights(6, 'W4', [5, 8]), weights(7, 'B4', [5]),
      { name: 'lo', dims: [], data: [0] }, { name: 'hi', dims: [], data: [6] },
    ],
  }));
}

const calibSet = (n: number) => cifar10FromBytes(readFileSync(resolve(SHARED, 'data/cifar10/calib.bin')).subarray(0, 3073 * n), CIFAR_NORM);

describe('output-aware rounding in chunks', () => {
  let engine: Engine, model: FloatModel, q8: QGraph;
  beforeAll(async () => {
    engine = await loadEngine({ simd: true });
    model = smallModel();
    q8 = quantizeInt8(model.graphFor(1), await calibrate(model, calibSet(40), { method: 'minmax', engine }));
  }, 60_000);

  it('the model splits by image, and its layers are a conv, a depthwise conv, a grouped conv without bias and a gemm', () => {
    expect(batchSplitProblem(model.graphFor(37), model.graphFor(5))).toBeUndefined();
    const ls = weightLayers(q8).map((l) => (l.op === 'conv' ? `${l.name}:${l.geometry.group}` : `${l.name}:gemm`));
    expect(ls).toEqual(['c1:1', 'dw:8', 'g2:2', 'fc:gemm']);
  });

  it('gives the bytes of one batch of all images, for chunks that divide the images and chunks that do not', async () => {
    const names = [...resolveLayers(q8, 'all')], fw = layerFloatWeights(model.graphFor(1), q8);
    const bits = new Map(names.map((n, i) => [n, (i % 2 === 0 ? 5 : 4) as 4 | 5]));
    const run = async (chunkImages: number) => writeQModel(await quantizePotGptq(q8, model, fw, calibSet(37), { bits, limit: 37, engine, chunkImages }));
    const whole = await run(1000); // one chunk: the old single batch
    for (const chunk of [1, 5, 36]) expect(Buffer.from(await run(chunk)).equals(Buffer.from(whole))).toBe(true);
    // the other rounding result really differs (the comparison can fail): 4 bits everywhere
    const other = writeQModel(await quantizePotGptq(q8, model, fw, calibSet(37), { bits: new Map(names.map((n) => [n, 4 as const])), limit: 37, engine, chunkImages: 5 }));
    expect(Buffer.from(other).equals(Buffer.from(whole))).toBe(false);
  }, 60_000);

  it('a fixed-batch model: whole batches only (a tail short of one is left out), the bytes of the same images on the dynamic model', async () => {
    const fixed = smallModel([], 'y', 4), names = [...resolveLayers(q8, 'all')], fw = layerFloatWeights(model.graphFor(1), q8);
    expect(fixed.fixedBatch).toBe(4);
    const bits = new Map(names.map((n) => [n, 5 as const]));
    const got = writeQModel(await quantizePotGptq(q8, fixed, fw, calibSet(37), { bits, limit: 37, engine }));
    const want = writeQModel(await quantizePotGptq(q8, model, fw, calibSet(36), { bits, limit: 36, engine }));
    expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
    const rule = quantizePot(q8, new Set(names), { rule: 'log', floatWeights: fw });
    const bc = async (m: FloatModel, n: number) => writeQModel(await correctPotBias(rule, m, fw, calibSet(n), { limit: n, engine }));
    expect(Buffer.from(await bc(fixed, 37)).equals(Buffer.from(await bc(model, 36)))).toBe(true);
    await expect(quantizePotGptq(q8, fixed, fw, calibSet(3), { bits, limit: 3, engine })).rejects.toThrow(/fewer than the model's fixed batch size 4/);
    await expect(correctPotBias(rule, fixed, fw, calibSet(3), { limit: 3, engine })).rejects.toThrow(/fewer images than the model's fixed batch size 4/);
  }, 60_000);

  it('a graph that mixes images along the batch is not cut', () => {
    const soft = smallModel([{ op: 'Softmax', inputs: ['y'], outputs: ['z'], attrs: { axis: 0 } }], 'z');
    expect(batchSplitProblem(soft.graphFor(8), soft.graphFor(2))).toMatch(/may mix images/);
    const ok = smallModel([{ op: 'Softmax', inputs: ['y'], outputs: ['z'], attrs: { axis: 1 } }], 'z');
    expect(batchSplitProblem(ok.graphFor(8), ok.graphFor(2))).toBeUndefined();
  });
});

describe('StatsAccumulator', () => {
  const bytes = (st: Stats) => Buffer.concat([...st.h, ...st.mu].map((a) => Buffer.from(a.buffer)));
  const empty = (k: number, groups: number): Stats => ({ k, groups, h: Array.from({ length: groups }, () => new Float64Array(k * k)), mu: Array.from({ length: groups }, () => new Float64Array(k)), rows: 0 });

  it('chunks in order give the bits of one accumulate over the whole batch (more positions than samples)', () => {
    const geometry = { c: 4, h: 48, w: 40, m: 4, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, dilationH: 1, dilationW: 1, group: 4, oh: 48, ow: 40 };
    const l = { op: 'conv', geometry } as never, n = 7, per = 4 * 48 * 40, r = mulberry32(3);
    const x = Float32Array.from({ length: n * per }, () => Math.max(0, r() * 4 - 2));
    const whole = empty(9, 4);
    accumulate(l, f32([n, 4, 48, 40], x), whole, 99);
    expect(whole.sampled).toBe(8192); // of 7 * 48 * 40 = 13,440 positions, per group
    for (const sizes of [[1, 1, 1, 1, 1, 1, 1], [3, 4], [6, 1]]) {
      const st = empty(9, 4), acc = new StatsAccumulator(l, st, 99, n);
      let b = 0;
      for (const s of sizes) { acc.add(f32([s, 4, 48, 40], x.subarray(b * per, (b + s) * per))); b += s; }
      acc.end();
      expect(bytes(st).equals(bytes(whole))).toBe(true);
      expect([st.rows, st.sampled]).toEqual([whole.rows, whole.sampled]);
    }
    const st = empty(9, 4), acc = new StatsAccumulator(l, st, 99, n);
    acc.add(f32([3, 4, 48, 40], x.subarray(0, 3 * per)));
    expect(() => acc.end()).toThrow(/3 of 7 images/);
  });
});
