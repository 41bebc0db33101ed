// Small generated networks, one per issue-12 op family (test/helpers/ops-nets.ts), quantized
// end to end: an AvgPool(8) head (MobileNet-style), SqueezeNet-style fire modules (Concat), a squeeze-excitation block
// (GlobalAveragePool, HardSigmoid, broadcast Mul), an NHWC (tf2onnx-style) net with Transpose,
// Dropout and Softmax, and one with every unary activation. Random weights: each checks that
// the TS reference == scalar wasm == SIMD wasm byte for byte, that every issue-12 op is within
// 1 LSB of its ideal float result on its own integer inputs (tables: exactly the float op),
// that the .dq file round-trips, and that the output stays within the int8 error budget.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { INT8_SMALL_NET_OUTPUT_STEPS } from '../../src/error-budgets.js';
import { readQModel, writeQModel } from '../../src/format/qmodel.js';
import type { QGraph, QNode, QParams } from '../../src/ir/qgraph.js';
import { f32 } from '../../src/ir/tensor.js';
import { OPS } from '../../src/ops/registry.js';
import { quantizeValue } from '../../src/quant/qparams.js';
import { runQReference } from '../../src/runtime/reference/q-reference-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { OPS_NETS, type OpsNet } from '../helpers/ops-nets.js';
import { runAll, type RunAll } from '../helpers/small-nets.js';
import { mulberry32 } from '../helpers/rng.js';

let engines: { scalar: Engine; simd: Engine };
beforeAll(async () => {
  engines = { scalar: await loadEngine({ simd: false }), simd: await loadEngine({ simd: true }) };
});

const N = 4;
const rand = (n: number, seed: number) => { const r = mulberry32(seed); return Float32Array.from({ length: n }, () => r() * 2 - 1); };

/** Every issue-12 node within 1 LSB of the float op on its own dequantized integer inputs; returns how many outputs were checked. */
function checkOps(r: RunAll, x: Float32Array): number {
  const { q, g } = r;
  const env = new Map<string, Int8Array>();
  const qp = (v: string): QParams => q.values.get(v)!.q;
  const deq = (v: string, i: number) => qp(v).scale * (env.get(v)![i]! - qp(v).zeroPoint);
  const floatNode = new Map(g.nodes.map((n) => [n.name, n]));
  let checked = 0;
  const near = (node: QNode, y: Int8Array, i: number, ideal: number, tol = 1) => {
    expect(Math.abs(y[i]! - ideal), `${node.name}[${i}]`).toBeLessThanOrEqual(tol);
    checked++;
  };
  runQReference(q, x, 1, (node, y) => {
    const xin = node.inputs[0]!, yq = qp(node.outputs[0]!);
    const ideal = (real: number) => quantizeValue(real, yq);
    switch (node.op) {
      case 'lut': {
        const f = floatNode.get(node.name);
        // a table the float op built: exactly the op on all 256 inputs; a requantizing one: 1 LSB
        const xs = Float32Array.from({ length: 256 }, (_, k) => qp(xin).scale * (k - 128 - qp(xin).zeroPoint));
        const fy = f && !node.name.includes('/requant') ? (OPS.get(f.op)!.run(f.inputs.map((i) => g.constants.get(i) ?? f32([256], xs)), f.attrs as never)[0]!.data as Float32Array) : xs;
        for (let k = 0; k < 256; k++) near(node, node.table, k, ideal(fy[k]!), f && !node.name.includes('/requant') ? 0 : 1);
        break;
      }
      case 'avgpool': {
        // the float op (ONNX semantics, checked against onnxruntime) on the dequantized input, NCHW
        const gm = node.geometry, f = floatNode.get(node.name)!;
        const xs = new Float32Array(gm.c * gm.h * gm.w);
        for (let c = 0; c < gm.c; c++) for (let p = 0; p < gm.h * gm.w; p++) xs[c * gm.h * gm.w + p] = deq(xin, p * gm.c + c);
        const fy = OPS.get(f.op)!.run([f32([1, gm.c, gm.h, gm.w], xs)], f.attrs as never)[0]!.data as Float32Array;
        for (let c = 0; c < gm.c; c++) for (let p = 0; p < gm.oh * gm.ow; p++) near(node, y, p * gm.c + c, ideal(fy[c * gm.oh * gm.ow + p]!));
        break;
      }
      case 'concat': {
        let o = 0;
        for (let r0 = 0; r0 < node.outer; r0++) node.inputs.forEach((v, k) => {
          for (let i = 0; i < node.lens[k]!; i++) near(node, y, o++, env.get(v)![r0 * node.lens[k]! + i]!, 0);
        });
        break;
      }
      case 'mul':
        for (let i = 0; i < node.size; i++) near(node, y, i, ideal(deq(xin, i) * deq(node.inputs[1]!, i % node.bSize)));
        break;
      case 'softmax':
        for (let r0 = 0; r0 < node.rows; r0++) {
          const v = Array.from({ length: node.k }, (_, j) => deq(xin, r0 * node.k + j));
          const m = Math.max(...v), e = v.map((t) => Math.exp(t - m)), s = e.reduce((a, b) => a + b, 0);
          e.forEach((t, j) => near(node, y, r0 * node.k + j, ideal(t / s)));
        }
        break;
      default:
    }
    env.set(node.outputs[0]!, y);
  });
  return checked;
}

/** The whole battery on one model; returns the run. */
function check({ model, inShape, expectOps, seed, opts }: OpsNet): RunAll {
  const per = inShape.reduce((p, d) => p * d, 1);
  const r = runAll(model, engines, rand(32 * per, seed), rand(N * per, seed + 1), N, opts);
  const ops = new Set(r.q.nodes.map((n) => n.op));
  for (const op of expectOps) expect(ops, `quantized graph has ${op}`).toContain(op);
  r.ref.forEach((ref, i) => {
    expect(r.scalar[i], 'scalar == reference').toEqual(ref);
    expect(r.simd[i], 'simd == reference').toEqual(ref);
  });
  const checked = checkOps(r, rand(per, seed + 1));
  if (r.q.nodes.some((n) => ['avgpool', 'lut', 'concat', 'mul', 'softmax'].includes(n.op))) expect(checked).toBeGreaterThan(0);
  // .dq round trip: same graph, same bytes out
  const again = readQModel(writeQModel(r.q));
  expect(runQReference(again, rand(N * per, seed + 1), N).quantized).toEqual(r.ref);
  // the int8 outputs near the float model's, in output steps
  r.float.forEach((f, i) => {
    const s = r.q.values.get(r.q.outputs[i]!.quantized)!.q.scale;
    let worst = 0;
    for (let k = 0; k < f.length; k++) worst = Math.max(worst, Math.abs(r.deq[i]![k]! - f[k]!) / s);
    expect(worst, `output ${i}: worst error in output steps`).toBeLessThanOrEqual(INT8_SMALL_NET_OUTPUT_STEPS);
  });
  return r;
}

describe('issue-12 op families in small networks, end to end in integers', () => {
  it(OPS_NETS.head.title, () => {
    const r = check(OPS_NETS.head);
    expect(r.q.nodes.find((n) => n.op === 'avgpool')).toMatchObject({ geometry: { kh: 8, kw: 8, oh: 1, ow: 1 } });
  });

  it(OPS_NETS.avgpools.title, () => {
    const r = check(OPS_NETS.avgpools);
    // 8x7 input, pads (1, 0, 1, 1), stride 2: ceil gives 5x4 where floor gives 4x3, one extra row and column
    expect(r.q.nodes.filter((n) => n.op === 'avgpool').map((n) => n.op === 'avgpool' && n.ceilExtra)).toEqual([[0, 0], [1, 1]]);
  });

  it(OPS_NETS.fire.title, () => {
    check(OPS_NETS.fire);
  });

  it(OPS_NETS.concat6.title, () => {
    const r = check(OPS_NETS.concat6);
    expect(r.q.nodes.filter((n) => n.op === 'concat').length).toBe(2); // 4 inputs per call: 6 = 4 + (1 + 2)
  });

  it(OPS_NETS.se.title, () => {
    check(OPS_NETS.se);
  });

  it(OPS_NETS.nhwc.title, () => {
    const r = check(OPS_NETS.nhwc);
    expect(r.q.input).toMatchObject({ shape: [16 * 16 * 3], floatShape: [16, 16, 3] }); // NHWC: quantized in its own order, no transpose
    expect(r.q.values.get(r.q.outputs[0]!.quantized)!.q).toEqual({ scale: 1 / 256, zeroPoint: -128 });
  });

  it(OPS_NETS.nhwcOut.title, () => {
    const r = check(OPS_NETS.nhwcOut);
    expect(r.q.outputs[0]!.shape).toEqual([6 * 7 * 5]);
  });

  it(OPS_NETS.unary.title, () => {
    const r = check(OPS_NETS.unary);
    expect(r.q.nodes.filter((n) => n.op === 'lut').length).toBe(12);
  });
});
