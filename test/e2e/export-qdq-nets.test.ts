// The QDQ export of every op doubleq quantizes, run by onnxruntime-node against doubleq's own
// integer results: the small issue-12 nets (test/helpers/ops-nets.ts) end to end, and each
// table op on all 256 of its int8 inputs (the table was built from the float op, so onnxruntime
// computing that op in float and quantizing once can differ only by its own float rounding).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportQdqCommand } from '../../src/cli/commands/export-qdq.js';
import { QDQ_VS_INT8_SMALL_NET_STEPS, QDQ_VS_TABLE_STEPS } from '../../src/error-budgets.js';
import { exportQdq } from '../../src/format/export-qdq.js';
import { writeQModel } from '../../src/format/qmodel.js';
import { decodeOnnx } from '../../src/onnx/decode.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { AttrReader } from '../../src/ops/attributes.js';
import { OPS } from '../../src/ops/registry.js';
import { isUnary } from '../../src/ops/unary.js';
import { runPasses } from '../../src/passes/pipeline.js';
import { quantizeInt8 } from '../../src/quant/quantize-int8.js';
import { runQReference } from '../../src/runtime/reference/q-reference-executor.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-builder.js';
import { OPS_NETS } from '../helpers/ops-nets.js';
import { mulberry32 } from '../helpers/rng.js';
import { minMaxRanges, NetBuilder } from '../helpers/small-nets.js';

const N = 8;
const rand = (n: number, seed: number) => { const r = mulberry32(seed); return Float32Array.from({ length: n }, () => r() * 2 - 1); };

async function runOrt(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 }); // default optimizations: the QDQ fusions
  const out = await s.run({ x: new ort.Tensor('float32', x, dims) });
  await s.release();
  const y = out.y!;
  return { dims: y.dims, data: y.data as Float32Array };
}

/** Largest |a - b| in steps of `scale`, and the share of elements that agree to within a tenth of a step. */
function stepsApart(a: Float32Array, b: Float32Array, scale: number) {
  let worst = 0, same = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / scale;
    worst = Math.max(worst, d);
    if (d < 0.1) same++;
  }
  return { worst, same: same / a.length };
}

function quantize(model: Uint8Array, calib: Float32Array, n: number, opts = {}) {
  const g = runPasses(importOnnxBytes(model, { batch: n }));
  return { g, q: quantizeInt8(g, minMaxRanges(g, calib), opts) };
}

describe('exportQdq of the issue-12 op nets: onnxruntime-node vs doubleq integers', () => {
  for (const net of Object.values(OPS_NETS)) {
    for (const activations of ['uint8', 'int8'] as const) {
      it(`${net.title} (${activations})`, async () => {
        const per = net.inShape.reduce((p, d) => p * d, 1);
        const { g, q } = quantize(net.model, rand(32 * per, net.seed), N, net.opts);
        for (const op of net.expectOps) expect(q.nodes.map((n) => n.op)).toContain(op);
        const x = rand(N * per, net.seed + 1);
        const ours = runQReference(q, x, N).outputs[0]!;
        const y = await runOrt(exportQdq(g, q, { activations, onnx: decodeOnnx(net.model) }), x, [N, ...net.inShape]);
        expect(y.dims).toEqual(g.outputs[0]!.shape.map((d, i) => (i === 0 ? N : d)));
        const scale = q.values.get(q.outputs[0]!.quantized)!.q.scale;
        const { worst, same } = stepsApart(ours, y.data, scale);
        console.log(`QDQ ${activations} '${net.title}': max ${worst.toFixed(2)} output steps, ${(100 * same).toFixed(1)} % of ${ours.length} outputs equal`);
        expect(worst).toBeLessThanOrEqual(QDQ_VS_INT8_SMALL_NET_STEPS);
      });
    }
  }
});

describe('exportQdq of an opset-11 Softmax over a whole image (axes 1..3 as one)', () => {
  it('exports as Flatten, Softmax, Reshape; onnxruntime agrees with the integer softmax', async () => {
    const b = new NetBuilder(31);
    b.op('Softmax', [b.conv('x', 3, 4, 3, { relu: false })], { axis: 1 }, 'y');
    const model = buildModel({ inputs: [{ name: 'x', dims: ['N', 3, 5, 5] }], outputs: [{ name: 'y' }], nodes: b.nodes, initializers: b.inits, opset: 11 });
    const { g, q } = quantize(model, rand(32 * 75, 900), N);
    expect(q.nodes.find((n) => n.op === 'softmax')).toMatchObject({ rows: 1, k: 100 });
    const bytes = exportQdq(g, q);
    expect(decodeOnnx(bytes).graph!.node!.filter((n) => ['Flatten', 'Softmax', 'Reshape'].includes(n.opType!)).map((n) => n.opType)).toEqual(['Flatten', 'Softmax', 'Reshape']);
    const x = rand(N * 75, 901);
    const y = await runOrt(bytes, x, [N, 3, 5, 5]);
    expect(y.dims).toEqual([N, 4, 5, 5]);
    const { worst, same } = stepsApart(runQReference(q, x, N).outputs[0]!, y.data, 1 / 256);
    console.log(`QDQ opset-11 Softmax over [4, 5, 5]: max ${worst.toFixed(2)} output steps, ${(100 * same).toFixed(1)} % equal`);
    expect(worst).toBeLessThanOrEqual(QDQ_VS_INT8_SMALL_NET_STEPS);
  });
});

describe('exportQdq refuses what opset 13 cannot say, naming the node', () => {
  it('a dilated avgpool (the kernels take one; an ONNX AveragePool has dilations from opset 19 only)', () => {
    const net = OPS_NETS.avgpools;
    const { g, q } = quantize(net.model, rand(32 * 585, net.seed), N);
    const ap = q.nodes.find((n) => n.op === 'avgpool')!;
    const dilated = { ...q, nodes: q.nodes.map((n) => (n === ap && n.op === 'avgpool' ? { ...n, geometry: { ...n.geometry, dilationW: 2 } } : n)) };
    expect(() => exportQdq(g, dilated)).toThrow(`node '${ap.name}': a dilated AveragePool has no QDQ export (dilations need opset 19)`);
  });
});

describe('exportQdq of the issue-12 op nets: what onnxruntime fuses, the command', () => {
  let tmp = '';
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'doubleq-qdq-nets-'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('onnxruntime turns the Q/DQ forms it has integer kernels for into them', async () => {
    // onnxruntime-node 1.30: the pools, Concat, Mul, Softmax, Sigmoid, LeakyRelu; the other
    // activations (and HardSwish's HardSigmoid + Mul) stay float ops between Q/DQ
    const want: Partial<Record<keyof typeof OPS_NETS, string[]>> = {
      head: ['QLinearAveragePool'], avgpools: ['QLinearAveragePool'], fire: ['QLinearConcat'], concat6: ['QLinearConcat'],
      se: ['QLinearMul'], nhwc: ['QLinearSoftmax', 'Transpose'], unary: ['QLinearSigmoid', 'QLinearLeakyRelu'],
    };
    for (const [key, ops] of Object.entries(want) as [keyof typeof OPS_NETS, string[]][]) {
      const net = OPS_NETS[key];
      const { g, q } = quantize(net.model, rand(32 * net.inShape.reduce((p, d) => p * d, 1), net.seed), N, net.opts);
      const path = join(tmp, `${key}-optimized.onnx`);
      const s = await ort.InferenceSession.create(exportQdq(g, q, { onnx: decodeOnnx(net.model) }), { intraOpNumThreads: 1, graphOptimizationLevel: 'extended', optimizedModelFilePath: path });
      await s.release();
      const have = new Set(decodeOnnx(new Uint8Array(readFileSync(path))).graph!.node!.map((n) => n.opType));
      for (const op of ops) expect(have, `${key}: ${op}`).toContain(op);
    }
  });

  it('doubleq export-qdq writes the NHWC net and the unary net (attributes from the .onnx)', async () => {
    for (const key of ['nhwc', 'unary'] as const) {
      const net = OPS_NETS[key];
      const per = net.inShape.reduce((p, d) => p * d, 1);
      const { g, q } = quantize(net.model, rand(32 * per, net.seed), N, net.opts);
      const [onnxPath, dq, out] = ['onnx', 'dq', 'qdq.onnx'].map((e) => join(tmp, `${key}.${e}`)) as [string, string, string];
      writeFileSync(onnxPath, net.model);
      writeFileSync(dq, writeQModel(q));
      exportQdqCommand(onnxPath, dq, { out });
      const bytes = new Uint8Array(readFileSync(out));
      expect(Buffer.compare(bytes, exportQdq(g, q, { onnx: decodeOnnx(net.model) }))).toBe(0);
      const x = rand(N * per, net.seed + 1);
      const y = await runOrt(bytes, x, [N, ...net.inShape]);
      const { worst } = stepsApart(runQReference(q, x, N).outputs[0]!, y.data, q.values.get(q.outputs[0]!.quantized)!.q.scale);
      expect(worst).toBeLessThanOrEqual(QDQ_VS_INT8_SMALL_NET_STEPS);
    }
  });
});

/** One table op on a [N, 256] input, quantized over [-4, 4]. */
function tableNet(op: string, attrs?: NodeSpec['attrs'], scalar?: { value: number; first: boolean }): Uint8Array {
  const consts = op === 'Clip' ? [['lo', -0.3], ['hi', 2.5]] as const : scalar ? [['s', scalar.value]] as const : [];
  const inputs = op === 'Clip' ? ['x', 'lo', 'hi'] : scalar ? (scalar.first ? ['s', 'x'] : ['x', 's']) : ['x'];
  return buildModel({
    inputs: [{ name: 'x', dims: ['N', 256] }], outputs: [{ name: 'y' }], opset: op === 'HardSwish' ? 14 : 13,
    nodes: [{ op, name: op, inputs, outputs: ['y'], attrs }],
    initializers: consts.map(([name, v]) => ({ name, dims: [], data: [v] })),
  });
}

const TABLE_OPS: [string, NodeSpec['attrs']?, { value: number; first: boolean }?][] = [
  ['Sigmoid'], ['HardSigmoid', { alpha: 0.3, beta: 0.45 }], ['HardSwish'], ['LeakyRelu', { alpha: 0.15 }], ['Tanh'],
  ['Elu', { alpha: 0.7 }], ['Selu', { alpha: 1.5, gamma: 1.1 }], ['Softplus'], ['Abs'], ['Neg'], ['Relu'], ['Clip'],
  ['Add', undefined, { value: 0.37, first: true }], ['Mul', undefined, { value: -1.3, first: false }],
];

describe('exportQdq of a table op: onnxruntime on all 256 int8 inputs vs the table', () => {
  it('covers every unary op the importer knows (each becomes a table)', () => {
    const unary = [...OPS.values()].filter((o) => {
      try { return isUnary(o.parse(new AttrReader(new Map()), 13)); } catch { return false; }
    }).map((o) => o.type);
    expect(unary.length).toBeGreaterThanOrEqual(10);
    expect(TABLE_OPS.map(([op]) => op)).toEqual(expect.arrayContaining(unary));
  });

  for (const [op, attrs, scalar] of TABLE_OPS) {
    it(`${op}${scalar ? ' of a scalar' : ''}`, async () => {
      const model = tableNet(op, attrs, scalar);
      const calib = Float32Array.from({ length: 256 }, (_, i) => -4 + (8 * i) / 255);
      const { g, q } = quantize(model, calib, 1);
      const lut = q.nodes.find((n) => n.op === 'lut');
      if (lut?.op !== 'lut') throw new Error(`${op}: no table`);
      const xq = q.values.get(q.input.quantized)!.q, yq = q.values.get(q.outputs[0]!.quantized)!.q;
      // every int8 input code, as the float value that quantizes to it
      const x = Float32Array.from({ length: 256 }, (_, k) => xq.scale * (k - 128 - xq.zeroPoint));
      expect(runQReference(q, x, 1).quantized[0]).toEqual(lut.table); // input codes -128 .. 127 in order
      const y = await runOrt(exportQdq(g, q, { onnx: decodeOnnx(model) }), x, [1, 256]);
      let worst = 0, differ = 0;
      for (let k = 0; k < 256; k++) {
        const code = Math.round(y.data[k]! / yq.scale + yq.zeroPoint);
        const d = Math.abs(code - lut.table[k]!);
        worst = Math.max(worst, d);
        if (d) differ++;
      }
      console.log(`QDQ ${op}: onnxruntime differs from the table on ${differ} of 256 codes, by at most ${worst} step`);
      expect(worst).toBeLessThanOrEqual(QDQ_VS_TABLE_STEPS);
    });
  }

  it("finds the attributes of an unnamed ONNX node under the importer's name for it (<op>_<index>)", async () => {
    const spec = { op: 'Elu', name: '', inputs: ['x'], outputs: ['y'], attrs: { alpha: 0.4 } };
    const model = buildModel({ inputs: [{ name: 'x', dims: ['N', 256] }], outputs: [{ name: 'y' }], nodes: [spec] });
    const { g, q } = quantize(model, Float32Array.from({ length: 256 }, (_, i) => -4 + (8 * i) / 255), 1);
    expect(q.nodes.map((n) => n.name)).toEqual(['Elu_0']);
    const elu = decodeOnnx(exportQdq(g, q, { onnx: decodeOnnx(model) })).graph!.node!.find((n) => n.opType === 'Elu')!;
    expect(elu.attribute!.map((a) => [a.name, a.f])).toEqual([['alpha', Math.fround(0.4)]]);
  });

  it('refuses a table op with attributes when the float ONNX is not given, naming node and op', () => {
    const model = tableNet('LeakyRelu', { alpha: 0.15 });
    const calib = Float32Array.from({ length: 256 }, (_, i) => -4 + (8 * i) / 255);
    const { g, q } = quantize(model, calib, 1);
    expect(() => exportQdq(g, q)).toThrow("node 'LeakyRelu': exporting LeakyRelu needs its attributes from the float ONNX model (ExportQdqOptions.onnx)");
    // a table of an op the exporter does not know (one a later importer might add)
    const other = { ...g, nodes: g.nodes.map((n) => ({ ...n, op: 'Gelu' })) };
    expect(() => exportQdq(other, q)).toThrow("node 'LeakyRelu': the Gelu op has no QDQ export (doubleq runs it as a table)");
  });
});
