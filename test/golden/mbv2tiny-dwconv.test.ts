// The MobileNetV2-style net of ../shared (depthwise convs, ReLU6, residual Adds) on the integer
// engines: 8-bit and all power-of-two, scalar == SIMD == TS reference byte for byte on real
// CIFAR-10 images, in every weight form; its depthwise layers run on the depthwise kernel.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifar10FromBytes } from '../../src/data/cifar10.js';
import type { Batch } from '../../src/data/dataset.js';
import type { Engine } from '../../src/engine/engine.js';
import type { QGraph } from '../../src/ir/qgraph.js';
import { kernelsOf } from '../../src/plan/kernel-of.js';
import { memoryReport } from '../../src/plan/memory-report.js';
import { residentBytesAs } from '../../src/plan/resident.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { quantizeInt8 } from '../../src/quant/quantize-int8.js';
import { quantizePot, resolveLayers } from '../../src/quant/quantize-pot.js';
import { FloatModel } from '../../src/runtime/float-model.js';
import { ParallelQExecutor } from '../../src/runtime/parallel-executor.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { runQReference } from '../../src/runtime/reference/q-reference-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { SHARED } from '../helpers/onnx-builder.js';
import { CIFAR_NORM, cifarImages } from '../helpers/resnet.js';

const N = 4;
/** Between engine runs: vitest's RPC times out when one synchronous stretch outlasts 60 s (a loaded machine). */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
let simd: Engine, scalar: Engine, q8: QGraph, images: Batch;

beforeAll(async () => {
  simd = await loadEngine({ simd: true });
  scalar = await loadEngine({ simd: false });
  const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(SHARED, 'models/mbv2tiny-cifar10.onnx'))));
  const calib = readFileSync(resolve(SHARED, 'data/cifar10/calib.bin')).subarray(0, 3073 * 50);
  q8 = quantizeInt8(model.graphFor(1), await calibrate(model, cifar10FromBytes(calib, CIFAR_NORM), { method: 'minmax', engine: simd }));
  images = await cifarImages('test.bin', N);
});

describe('mbv2tiny (depthwise convs) on the integer engines', () => {
  it('every depthwise layer (group == channels) runs on qs8-qc8w-dwconv, every other conv on the general kernel', () => {
    const kernels = kernelsOf(q8);
    const convs = q8.nodes.filter((n) => n.op === 'conv');
    const dw = convs.filter((n) => n.op === 'conv' && n.geometry.group === n.geometry.c && n.geometry.c > 1);
    expect(dw.length).toBeGreaterThan(0);
    for (const n of convs) expect(kernels.get(n.name), n.name).toBe(dw.includes(n) ? 'qs8-qc8w-dwconv' : 'qs8-qc8w-conv2d');
  });

  it('8-bit: scalar == SIMD == TS reference, in every int8 form', async () => {
    const ref = runQReference(q8, images.images, N).quantized[0]!;
    for (const engine of [simd, scalar])
      for (const int8Form of ['unpack', 'widen', 'int16'] as const) {
        await yieldToEventLoop();
        expect(new QExecutor(q8, engine, N, { int8Form }).runQuantized(images.images, N)[0], `${engine.simd ? 'simd' : 'scalar'} ${int8Form}`).toEqual(ref);
      }
  });

  for (const rule of ['log', 'floor'] as const) {
    it(`all power-of-two (${rule}): scalar == SIMD == TS reference, codes / shift-add / int8 routes`, async () => {
      const q = quantizePot(q8, resolveLayers(q8, 'all'), { rule });
      const ref = runQReference(q, images.images, N).quantized[0]!;
      for (const engine of [simd, scalar])
        for (const potKernels of ['codes', 'shift-add', 'int8'] as const) {
          await yieldToEventLoop();
          expect(new QExecutor(q, engine, N, { potKernels }).runQuantized(images.images, N)[0], `${engine.simd ? 'simd' : 'scalar'} ${potKernels}`).toEqual(ref);
        }
    });
  }

  it("the memory report's runtime bytes equal the engine's allocation count; residentBytesAs agrees with the planner on depthwise layers", () => {
    const all = resolveLayers(q8, 'all');
    const [pot, pot4] = [quantizePot(q8, all, { rule: 'log' }), quantizePot(q8, all, { rule: 'floor' })];
    for (const q of [q8, pot, pot4]) {
      for (const weights of ['compact', 'fast'] as const) {
        const r = memoryReport(q, undefined, { weights }).runtimeBytes;
        for (const e of [simd, scalar]) {
          const before = e.allocatedBytes;
          const ex = new QExecutor(q, e, 1, { weights });
          expect(e.allocatedBytes - before).toBe(r.total);
          expect(ex.footprint).toEqual(r);
        }
      }
    }
    const [r8, r5, r4] = [memoryReport(q8), memoryReport(pot), memoryReport(pot4)];
    for (const n of q8.nodes) {
      if (n.op !== 'conv' && n.op !== 'gemm') continue;
      const as8 = residentBytesAs(n, 8), l8 = r8.layers.find((l) => l.name === n.name)!;
      expect([as8.weights, as8.constants]).toEqual([l8.residentWeightBytes, l8.residentConstantBytes]);
      expect(residentBytesAs(n, 5).weights).toBe(r5.layers.find((l) => l.name === n.name)!.residentWeightBytes);
      expect(residentBytesAs(n, 4).weights).toBe(r4.layers.find((l) => l.name === n.name)!.residentWeightBytes);
    }
  });

  it('2 and 3 threads give the one-thread bytes (depthwise and the other unsplit kernels run on thread 0), 8-bit and all-PoT', async () => {
    const pot = quantizePot(q8, resolveLayers(q8, 'all'), { rule: 'log' });
    for (const q of [q8, pot])
      for (const weights of ['compact', 'fast'] as const) {
        const want = new QExecutor(q, simd, N, { weights }).runQuantized(images.images, N)[0]!;
        for (const threads of [2, 3]) {
          const ex = await ParallelQExecutor.create(q, N, { threads, simd: true, weights });
          try {
            expect(ex.runQuantized(images.images, N)[0], `${weights}, ${threads} threads`).toEqual(want);
          } finally {
            await ex.dispose();
          }
        }
      }
  });
});
