// Calibration on the real shared ResNet-20 (first 100 images of calib.bin) and its error cases.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifar10FromBytes } from '../../../src/data/cifar10.js';
import type { Batch, Dataset, ImageShape } from '../../../src/data/dataset.js';
import { FloatModel } from '../../../src/runtime/float-model.js';
import type { Engine } from '../../../src/engine/engine.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import { CALIBRATION_METHODS, calibrate, CalibrationError, type RangeTable } from '../../../src/quant/calibrate.js';
import { REPO_ROOT } from '../../helpers/onnx-builder.js';

const N = 100;
const NORM = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(REPO_ROOT, '..', 'shared', 'models', 'resnet20-cifar10.onnx'))));
const calibBytes = new Uint8Array(readFileSync(resolve(REPO_ROOT, '..', 'shared', 'data', 'cifar10', 'calib.bin'))).subarray(0, 3073 * N);
const data = cifar10FromBytes(calibBytes, NORM, 'calib.bin');
const graph = model.graphFor(1);
const VALUES = [graph.inputs[0]!.name, ...graph.nodes.flatMap((n) => n.outputs)];

/** An in-memory data set of `n` images of `shape`, all from `images`. */
function fakeData(shape: ImageShape, n: number, images: Float32Array): Dataset {
  const per = shape.c * shape.h * shape.w;
  return {
    shape,
    size: n,
    batches(batchSize: number, opts?: { limit?: number }): AsyncIterable<Batch> {
      const total = Math.min(n, opts?.limit ?? Infinity);
      return (async function* () {
        for (let i = 0; i < total; i += batchSize) {
          const count = Math.min(batchSize, total - i);
          yield { images: images.slice(i * per, (i + count) * per), labels: new Uint8Array(count), count };
        }
      })();
    },
  };
}

let engine: Engine;
const tables: Partial<Record<(typeof CALIBRATION_METHODS)[number], RangeTable>> = {};
let progress: [number, number][] = [];

beforeAll(async () => {
  engine = await loadEngine();
  for (const method of CALIBRATION_METHODS) {
    const p: [number, number][] = [];
    tables[method] = await calibrate(model, data, { method, engine, onProgress: (d, t) => p.push([d, t]) });
    if (method === 'percentile') progress = p;
  }
});

describe('calibrate on ResNet-20', () => {
  it('gives every value a range that contains 0, in graph order', () => {
    for (const method of CALIBRATION_METHODS) {
      const t = tables[method]!;
      expect([...t.keys()]).toEqual(VALUES);
      for (const [name, r] of t) {
        expect(r.min, `${method} ${name}`).toBeLessThanOrEqual(0);
        expect(r.max, `${method} ${name}`).toBeGreaterThan(0);
      }
    }
  });

  it('gives post-ReLU values min 0', () => {
    const relus = graph.nodes.filter((n) => n.op === 'Relu');
    expect(relus.length).toBe(19);
    for (const method of CALIBRATION_METHODS) for (const n of relus) expect(tables[method]!.get(n.outputs[0]!)!.min).toBe(0);
  });

  it('matches the normalised pixel extremes at the input', async () => {
    let min = Infinity, max = -Infinity;
    for await (const b of data.batches(N)) for (const v of b.images) { min = Math.min(min, v); max = Math.max(max, v); }
    expect(tables.minmax!.get('input')).toEqual({ min, max });
    // pixel 0 of the red channel and 255 of the blue one occur in these 100 images
    expect(min).toBeCloseTo(-0.485 / 0.229, 5);
    expect(max).toBeCloseTo((1 - 0.406) / 0.225, 5);
  });

  it('keeps percentile and entropy ranges within min-max, and clips somewhere', () => {
    for (const method of ['percentile', 'entropy'] as const) {
      let narrower = 0;
      for (const [name, mm] of tables.minmax!) {
        const r = tables[method]!.get(name)!;
        expect(r.min, `${method} ${name}`).toBeGreaterThanOrEqual(mm.min);
        expect(r.max, `${method} ${name}`).toBeLessThanOrEqual(mm.max);
        if (r.max < mm.max) narrower++;
      }
      expect(narrower).toBeGreaterThan(VALUES.length / 2);
    }
  });

  it('reports progress over both passes of a two-pass method', () => {
    expect(progress.at(-1)).toEqual([2 * N, 2 * N]);
    expect(progress.length).toBe(4);
  });

  it('is deterministic', async () => {
    expect(await calibrate(model, data, { method: 'entropy', engine })).toEqual(tables.entropy);
  });

  it('runs the tail batch with a graph of its own size, and observes only `values`', async () => {
    const values = ['input', '/Relu_output_0', 'logits'];
    const t = await calibrate(model, data, { method: 'minmax', engine, batch: 30, values }); // 30 + 30 + 30 + 10
    expect([...t.keys()]).toEqual(values);
    for (const v of values) expect(t.get(v)).toEqual(tables.minmax!.get(v));
    const t2 = await calibrate(model, data, { method: 'minmax', engine, limit: 20, values: ['logits'] });
    expect(t2.get('logits')!.max).toBeLessThanOrEqual(tables.minmax!.get('logits')!.max);
  });
});

describe('calibrate errors', () => {
  const shape = { c: 3, h: 32, w: 32 };
  it('rejects an empty data set', async () => {
    await expect(calibrate(model, fakeData(shape, 0, new Float32Array(0)), { method: 'minmax', engine })).rejects.toThrow(
      new CalibrationError('the calibration data set has no images'),
    );
  });

  it('rejects a bad limit or batch', async () => {
    for (const limit of [0, -1, 2.5, NaN, Infinity])
      await expect(calibrate(model, data, { method: 'minmax', limit })).rejects.toThrow(/^limit must be a positive integer, got /);
    await expect(calibrate(model, data, { method: 'minmax', batch: 0 })).rejects.toThrow(/^batch must be a positive integer/);
    await expect(calibrate(model, data, { method: 'kl' as 'entropy' })).rejects.toThrow(/unknown calibration method 'kl'/);
    await expect(calibrate(model, data, { method: 'percentile', percentile: 30 })).rejects.toThrow(CalibrationError);
  });

  it('rejects data of the wrong shape', async () => {
    const small = { c: 3, h: 16, w: 16 };
    await expect(calibrate(model, fakeData(small, 2, new Float32Array(2 * 768)), { method: 'minmax', engine })).rejects.toThrow(
      'the model expects input float32 [50,3,32,32], the data has 3x16x16 images',
    );
  });

  it('rejects unknown values', async () => {
    await expect(calibrate(model, data, { method: 'minmax', values: ['nope'] })).rejects.toThrow(/value 'nope' is neither/);
  });

  it('names the tensor holding a NaN or an infinity', async () => {
    const img = new Float32Array(2 * 3072);
    img[3000] = NaN;
    await expect(calibrate(model, fakeData(shape, 2, img), { method: 'entropy', engine })).rejects.toThrow(
      /^graph input 'input': non-finite value NaN at element 3000$/,
    );
    img.fill(3e38); // finite pixels, but the first convolution overflows
    const err = await calibrate(model, fakeData(shape, 2, img), { method: 'minmax', engine }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CalibrationError);
    expect((err as Error).message).toMatch(/^value '\/conv1\/Conv_output_0' \(output of Conv '\/conv1\/Conv'\): non-finite value/);
  });
});
