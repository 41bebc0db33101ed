// The shared ResNet-20 and CIFAR-10, loaded and quantized once per test file.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cifar10FromBytes } from '../../src/data/cifar10.js';
import type { Batch } from '../../src/data/dataset.js';
import type { QGraph } from '../../src/ir/qgraph.js';
import { calibrate, type CalibrationMethod } from '../../src/quant/calibrate.js';
import { quantizeInt8 } from '../../src/quant/quantize-int8.js';
import { FloatModel } from '../../src/runtime/float-model.js';
import type { Engine } from '../../src/engine/engine.js';
import { SHARED } from './onnx-builder.js';

export const CIFAR_NORM = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
export const RESNET20 = resolve(SHARED, 'models/resnet20-cifar10.onnx');

export function resnet20(): FloatModel {
  return FloatModel.fromBytes(new Uint8Array(readFileSync(RESNET20)));
}

/** The first `n` images of a CIFAR-10 file of ../shared, normalised, as one batch. */
export async function cifarImages(file: 'test.bin' | 'calib.bin', n: number): Promise<Batch> {
  const bytes = readFileSync(resolve(SHARED, 'data/cifar10', file)).subarray(0, 3073 * n);
  for await (const b of cifar10FromBytes(bytes, CIFAR_NORM).batches(n)) return b;
  throw new Error('no images');
}

export async function quantizedResnet20(engine: Engine, opts: { calibImages?: number; method?: CalibrationMethod; perTensor?: boolean } = {}): Promise<{ model: FloatModel; q: QGraph }> {
  const model = resnet20();
  const bytes = readFileSync(resolve(SHARED, 'data/cifar10/calib.bin')).subarray(0, 3073 * (opts.calibImages ?? 100));
  const ranges = await calibrate(model, cifar10FromBytes(bytes, CIFAR_NORM), { method: opts.method ?? 'minmax', engine });
  return { model, q: quantizeInt8(model.graphFor(1), ranges, { perTensor: opts.perTensor }) };
}
