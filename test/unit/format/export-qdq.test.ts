// The QDQ export of the 8-bit ResNet-20 run by onnxruntime, against doubleq's own int8 engine on
// real CIFAR-10 test images; and the export-qdq command's check that a .dq belongs to its .onnx.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { onnx as OnnxTypes } from 'onnx-proto';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkQuantizedPair, exportQdqCommand } from '../../../src/cli/commands/export-qdq.js';
import { InputError } from '../../../src/cli/io.js';
import { QDQ_RESNET20_OUTPUT_STEPS } from '../../../src/error-budgets.js';
import { argmaxRow } from '../../../src/eval/evaluate.js';
import { exportQdq } from '../../../src/format/export-qdq.js';
import { writeQModel } from '../../../src/format/qmodel.js';
import type { QGraph } from '../../../src/ir/qgraph.js';
import { decodeOnnx } from '../../../src/onnx/decode.js';
import type { FloatModel } from '../../../src/runtime/float-model.js';
import { QExecutor } from '../../../src/runtime/q-executor.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import { cifarImages, quantizedResnet20, RESNET20 } from '../../helpers/resnet.js';
import { REPO_ROOT } from '../../helpers/onnx-builder.js';

const N = 256;
let model: FloatModel;
let q: QGraph;
let images: Float32Array;
let ours: Float32Array; // doubleq int8 engine, dequantized logits [N, 10]
let outScale: number;
let tmp: string;

beforeAll(async () => {
  const engine = await loadEngine();
  ({ model, q } = await quantizedResnet20(engine, { calibImages: 200, method: 'minmax' }));
  images = (await cifarImages('test.bin', N)).images;
  ours = new QExecutor(q, engine, N).run(images, N)[0]!.slice();
  outScale = q.values.get(q.outputs[0]!.quantized)!.q.scale;
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-qdq-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function ortLogits(bytes: Uint8Array, x: Float32Array, n: number, opts: ortNode.InferenceSession.SessionOptions = {}): Promise<Float32Array> {
  const s = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, ...opts });
  const out = await s.run({ input: new ortNode.Tensor('float32', x, [n, 3, 32, 32]) });
  await s.release();
  return out.logits!.data as Float32Array;
}

function compare(a: Float32Array, b: Float32Array, n: number) {
  let agree = 0, maxDiff = 0;
  for (let i = 0; i < n; i++) if (argmaxRow(a, i, 10) === argmaxRow(b, i, 10)) agree++;
  for (let i = 0; i < n * 10; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
  return { agree: agree / n, maxDiff };
}

describe('exportQdq on the 8-bit ResNet-20 (minmax, 200 calibration images)', () => {
  for (const activations of ['uint8', 'int8'] as const) {
    it(`${activations} activations: onnxruntime-node agrees with the int8 engine on ${N} test images`, async () => {
      const bytes = exportQdq(model.graphFor(1), q, { activations });
      const ort = await ortLogits(bytes, images, N);
      const { agree, maxDiff } = compare(ours, ort, N);
      console.log(`QDQ (${activations}) in onnxruntime-node vs doubleq int8: top-1 agreement ${(100 * agree).toFixed(2)} %, ` +
        `max |logit difference| ${maxDiff.toFixed(4)} = ${(maxDiff / outScale).toFixed(2)} output LSB (scale ${outScale.toFixed(4)})`);
      expect(agree).toBeGreaterThanOrEqual(0.97);
      // not 0: onnxruntime requantizes in float, doubleq in fixed point (the budget's reason)
      expect(maxDiff).toBeLessThanOrEqual(QDQ_RESNET20_OUTPUT_STEPS * outScale);
    });
  }

  it('onnxruntime fuses it: QLinearConv for all 19 convolutions, QLinearAdd for all 9 residual adds', async () => {
    const path = join(tmp, 'optimized.onnx');
    const s = await ortNode.InferenceSession.create(exportQdq(model.graphFor(1), q), { intraOpNumThreads: 1, graphOptimizationLevel: 'extended', optimizedModelFilePath: path });
    await s.release();
    const ops = new Map<string, number>();
    for (const n of decodeOnnx(new Uint8Array(readFileSync(path))).graph!.node!) ops.set(n.opType!, (ops.get(n.opType!) ?? 0) + 1);
    expect(ops.get('QLinearConv')).toBe(19);
    expect(ops.get('QLinearAdd')).toBe(9);
    expect(ops.get('QLinearGlobalAveragePool')).toBe(1);
    expect(ops.has('Conv')).toBe(false);
    expect(ops.has('Add')).toBe(false);
  });

  it('loads in onnxruntime-web (wasm, 1 thread) with a dynamic batch, agrees with the int8 engine', async () => {
    const bytes = exportQdq(model.graphFor(1), q);
    ortWeb.env.wasm.numThreads = 1;
    const s = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    for (const n of [1, 32]) {
      const x = images.subarray(0, n * 3072);
      const web = (await s.run({ input: new ortWeb.Tensor('float32', x, [n, 3, 32, 32]) })).logits!;
      expect(web.dims).toEqual([n, 10]);
      const { agree, maxDiff } = compare(ours, web.data as Float32Array, n);
      expect(agree).toBeGreaterThanOrEqual(0.97);
      expect(maxDiff).toBeLessThanOrEqual(QDQ_RESNET20_OUTPUT_STEPS * outScale);
    }
    await s.release();
  });

  it('decoded power-of-two weights: int8 when they fit, fp32-dequantized (exact, unfused) for a layer holding +128', async () => {
    const g = model.graphFor(1);
    const last = q.nodes.filter((n) => n.op === 'conv').at(-1)!;
    const widened: QGraph = { ...q, nodes: q.nodes.map((n) => (n.op === 'conv' || n.op === 'gemm' ? { ...n, weights: Int16Array.from(n.weights) } : n)) };
    expect(Buffer.compare(exportQdq(g, widened), exportQdq(g, q))).toBe(0);

    const w = Int16Array.from(last.weights);
    w[w.indexOf(127)] = 128; // one weight of the last conv one step past the int8 range
    const bytes = exportQdq(g, { ...q, nodes: q.nodes.map((n) => (n === last ? { ...n, weights: w } : n)) });
    const inits = decodeOnnx(bytes).graph!.initializer!;
    expect(inits.some((t) => t.name === `${last.name}_weight_quantized`)).toBe(false);
    expect(inits.find((t) => t.name === `${last.name}_weight_dequantized`)!.dataType).toBe(1); // FLOAT
    const { agree } = compare(ours, await ortLogits(bytes, images, N), N);
    expect(agree).toBeGreaterThanOrEqual(0.97);
  });

  it('declares the float model interface: input [batch, 3, 32, 32], output logits [batch, 10], opset 13', () => {
    const m = decodeOnnx(exportQdq(model.graphFor(1), q));
    expect(m.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    expect(Number(m.irVersion)).toBe(7);
    const dims = (v: OnnxTypes.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(m.graph!.input!.map((v) => [v.name, dims(v)])).toEqual([['input', ['batch', 3, 32, 32]]]);
    expect(m.graph!.output!.map((v) => [v.name, dims(v)])).toEqual([['logits', ['batch', 10]]]);
    const names = new Set(m.graph!.node!.map((n) => n.name));
    expect(names.size).toBe(m.graph!.node!.length);
  });
});

describe('doubleq export-qdq', () => {
  let dq: string;
  beforeAll(() => {
    dq = join(tmp, 'resnet20.dq');
    writeFileSync(dq, writeQModel(q));
  });

  it('writes the QDQ model for a matching pair', () => {
    const out = join(tmp, 'resnet20-qdq.onnx');
    const r = exportQdqCommand(RESNET20, dq, { out });
    expect(r.layers).toBe(20);
    expect(r.activations).toBe('uint8');
    expect(Buffer.compare(readFileSync(out), exportQdq(model.graphFor(1), q))).toBe(0);
  });

  it('rejects a .dq quantized from another model (the MNIST ResNet) in one line', () => {
    const out = join(tmp, 'never.onnx');
    const mnist = join(REPO_ROOT, 'models', 'mnist-resnet.onnx');
    expect(() => exportQdqCommand(mnist, dq, { out })).toThrow(InputError);
    expect(() => exportQdqCommand(mnist, dq, { out })).toThrow(/does not belong to .*mnist-resnet\.onnx: its input is \[3,32,32\] per image/);
  });

  it('names the first node whose weights do not match, or that is missing', () => {
    const g = model.graphFor(1);
    const convs = q.nodes.filter((n) => n.op === 'conv');
    // layer3.1.conv1 (64x64x3x3) under the name of layer1.0.conv1 (16x16x3x3)
    const swapped: QGraph = { ...q, nodes: q.nodes.map((n) => (n === convs[15] ? { ...n, name: convs[1]!.name } : n)) };
    expect(() => checkQuantizedPair(g, swapped, 'a.onnx', 'b.dq')).toThrow(
      `b.dq does not belong to a.onnx: node '${convs[1]!.name}' is a conv with weights [64,64,3,3], the float model has Conv with weights [16,16,3,3]`);
    const renamed: QGraph = { ...q, nodes: q.nodes.map((n) => (n === convs[0] ? { ...n, name: 'conv_from_elsewhere' } : n)) };
    expect(() => checkQuantizedPair(g, renamed, 'a.onnx', 'b.dq')).toThrow("b.dq does not belong to a.onnx: node 'conv_from_elsewhere' is not in the float model");
  });

  it('rejects a second argument that is not a .dq, and an unknown --activations', () => {
    expect(() => exportQdqCommand(RESNET20, RESNET20, { out: join(tmp, 'x.onnx') })).toThrow(/is not a quantized \.dq model/);
    expect(() => exportQdqCommand(RESNET20, dq, { out: join(tmp, 'x.onnx'), activations: 'int4' })).toThrow("--activations must be one of uint8, int8, got 'int4'");
  });
});
