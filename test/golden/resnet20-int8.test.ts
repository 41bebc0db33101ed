// The 8-bit ResNet-20: TS integer reference == scalar wasm == SIMD wasm, byte for byte, on
// real CIFAR-10 images; every integer op within 1 LSB of its ideal float result.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/data/dataset.js';
import { argmaxRow } from '../../src/eval/evaluate.js';
import type { QGraph, QNode, QParams } from '../../src/ir/qgraph.js';
import { quantizeValue } from '../../src/quant/qparams.js';
import type { Engine } from '../../src/engine/engine.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { runQReference } from '../../src/runtime/reference/q-reference-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { cifarImages, quantizedResnet20 } from '../helpers/resnet.js';

const N = 6;
let simd: Engine, scalar: Engine, q: QGraph, images: Batch;

beforeAll(async () => {
  simd = await loadEngine({ simd: true });
  scalar = await loadEngine({ simd: false });
  ({ q } = await quantizedResnet20(simd));
  images = await cifarImages('test.bin', N);
});

describe('8-bit ResNet-20 integer engines', () => {
  it('has the layers the method needs: 19 conv, 1 gemm, 9 residual adds, 2 option-A shortcuts', () => {
    const count = (op: QNode['op']) => q.nodes.filter((n) => n.op === op).length;
    expect([count('conv'), count('gemm'), count('add'), count('strided-copy')]).toEqual([19, 1, 9, 4]);
  });

  it('scalar wasm == SIMD wasm == TS reference, byte for byte, batch 1 and batch N, run after run', () => {
    const ref = runQReference(q, images.images, N).quantized[0]!;
    for (const engine of [simd, scalar]) {
      const batched = new QExecutor(q, engine, N);
      expect(batched.runQuantized(images.images, N)[0]).toEqual(ref);
      expect(batched.runQuantized(images.images, N)[0]).toEqual(ref); // second run, same bytes
      const single = new QExecutor(q, engine, 1);
      for (let i = 0; i < N; i++) expect(single.runQuantized(images.images.subarray(i * 3072, (i + 1) * 3072), 1)[0]).toEqual(ref.subarray(i * 10, (i + 1) * 10));
    }
  });

  it('run() neither allocates wasm memory nor changes the arena plan', () => {
    const ex = new QExecutor(q, simd, 4);
    const before = simd.memoryBytes;
    for (let i = 0; i < 3; i++) ex.run(images.images.subarray(0, 4 * 3072), 4);
    expect(simd.memoryBytes).toBe(before);
  });

  it('classifies like the float model on these images', () => {
    const logits = new QExecutor(q, simd, N).run(images.images, N)[0]!;
    let correct = 0;
    for (let i = 0; i < N; i++) if (argmaxRow(logits, i, 10) === images.labels[i]) correct++;
    expect(correct).toBeGreaterThanOrEqual(N - 1);
  });

  it('every conv / gemm / add / global-average-pool output is within 1 LSB of the ideal float result', () => {
    const env = new Map<string, Int8Array>();
    const qp = (v: string): QParams => q.values.get(v)!.q;
    const deq = (v: string, k: number) => qp(v).scale * (env.get(v)![k]! - qp(v).zeroPoint);
    let checked = 0;
    env.set(q.input.quantized, quantizedInput());
    runQReference(q, images.images.subarray(0, 3072), 1, (node, y) => {
      env.set(node.outputs[0]!, y);
      const yq = qp(node.outputs[0]!);
      const ideal = (k: number, real: number, lo = -128, hi = 127) => {
        const v = Math.min(hi, Math.max(lo, quantizeValue(real, yq)));
        expect(Math.abs(y[k]! - v), `${node.name}[${k}]`).toBeLessThanOrEqual(1);
        checked++;
      };
      if (node.op === 'conv') {
        const g = node.geometry, x = node.inputs[0]!, cg = g.c / g.group;
        for (let oy = 0; oy < g.oh; oy += 3) for (let ox = 0; ox < g.ow; ox += 3) for (let m = 0; m < g.m; m++) {
          let acc = node.bias[m]! * qp(x).scale * node.weightScale[m]!;
          for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
            const iy = oy * g.strideH - g.padTop + i, ix = ox * g.strideW - g.padLeft + j;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
            for (let c = 0; c < cg; c++) acc += deq(x, (iy * g.w + ix) * g.c + c) * node.weights[((m * g.kh + i) * g.kw + j) * cg + c]! * node.weightScale[m]!;
          }
          ideal((oy * g.ow + ox) * g.m + m, acc, node.qmin, node.qmax);
        }
      } else if (node.op === 'gemm') {
        for (let m = 0; m < node.m; m++) {
          let acc = node.bias[m]! * qp(node.inputs[0]!).scale * node.weightScale[m]!;
          for (let k = 0; k < node.k; k++) acc += deq(node.inputs[0]!, k) * node.weights[m * node.k + k]! * node.weightScale[m]!;
          ideal(m, acc, node.qmin, node.qmax);
        }
      } else if (node.op === 'add') {
        for (let k = 0; k < node.size; k += 7) ideal(k, deq(node.inputs[0]!, k) + deq(node.inputs[1]!, k), node.qmin, node.qmax);
      } else if (node.op === 'gavgpool') {
        for (let c = 0; c < node.c; c++) {
          let s = 0;
          for (let p = 0; p < node.h * node.w; p++) s += deq(node.inputs[0]!, p * node.c + c);
          ideal(c, s / (node.h * node.w));
        }
      }
    });
    expect(checked).toBeGreaterThan(20_000);

    function quantizedInput(): Int8Array {
      const out = new Int8Array(3072);
      for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[p * 3 + c] = quantizeValue(images.images[c * 1024 + p]!, q.input.q);
      return out;
    }
  });
});
