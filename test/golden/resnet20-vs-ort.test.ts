// ResNet-20 logits of the float engine against onnxruntime-node, on real CIFAR-10 test images.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifar10FromBytes } from '../../src/data/cifar10.js';
import { FLOAT_VS_ORT_ATOL } from '../../src/error-budgets.js';
import { argmaxRow } from '../../src/eval/evaluate.js';
import { f32 } from '../../src/ir/tensor.js';
import { F32Executor } from '../../src/runtime/f32-executor.js';
import { FloatModel } from '../../src/runtime/float-model.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import type { Engine } from '../../src/engine/engine.js';
import { SHARED } from '../helpers/onnx-builder.js';
import { maxAbsDiff, runOrt } from '../helpers/ort.js';

const N = 256;
const NORM = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
let images: Float32Array;
let labels: Uint8Array;
let simd: Engine, scalar: Engine;

beforeAll(async () => {
  const bytes = readFileSync(resolve(SHARED, 'data/cifar10/test.bin')).subarray(0, 3073 * N);
  for await (const b of cifar10FromBytes(bytes, NORM).batches(N)) ({ images, labels } = b);
  simd = await loadEngine({ simd: true });
  scalar = await loadEngine({ simd: false });
});

for (const file of ['resnet20-cifar10.onnx', 'resnet20-cifar10-bn.onnx']) {
  describe(file, () => {
    const bytes = new Uint8Array(readFileSync(resolve(SHARED, 'models', file)));
    const model = FloatModel.fromBytes(bytes);
    let ort: Float32Array;

    beforeAll(async () => {
      ort = (await runOrt(bytes, { input: { dims: [N, 3, 32, 32], data: images } })).logits!.data;
    });

    const run = (engine: Engine | undefined, n: number) =>
      new F32Executor(model.graphFor(n), { engine }).run({ input: f32([n, 3, 32, 32], images.subarray(0, n * 3072)) }).logits!.data as Float32Array;

    it(`wasm SIMD engine: logits within ${FLOAT_VS_ORT_ATOL} of onnxruntime on ${N} images`, () => {
      const ours = run(simd, N);
      expect(maxAbsDiff(ours, ort)).toBeLessThanOrEqual(FLOAT_VS_ORT_ATOL);
      let agree = 0;
      for (let i = 0; i < N; i++) if (argmaxRow(ours, i, 10) === argmaxRow(ort, i, 10)) agree++;
      expect(agree).toBe(N);
      // sanity: this is a trained model on real data, not two identical wrong answers
      let correct = 0;
      for (let i = 0; i < N; i++) if (argmaxRow(ours, i, 10) === labels[i]) correct++;
      expect(correct / N).toBeGreaterThan(0.85);
    });

    it('wasm scalar engine: same tolerance', () => {
      expect(maxAbsDiff(run(scalar, N), ort)).toBeLessThanOrEqual(FLOAT_VS_ORT_ATOL);
    });

    it('plain TypeScript reference: same tolerance (first 32 images)', () => {
      expect(maxAbsDiff(run(undefined, 32), ort.subarray(0, 320))).toBeLessThanOrEqual(FLOAT_VS_ORT_ATOL);
    });
  });
}
