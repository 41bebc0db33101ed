// The small generated networks of the issue-12 op families (random weights), one per family:
// built once here for the tests that run them in integers (test/e2e/ops-nets.test.ts) and that
// export them as QDQ for onnxruntime (test/e2e/export-qdq-nets.test.ts).

import type { QuantizeInt8Options } from '../../src/quant/quantize-int8.js';
import { buildModel } from './onnx-builder.js';
import { NetBuilder } from './small-nets.js';

export interface OpsNet {
  title: string;
  /** per-image float input shape */
  inShape: number[];
  /** seed of the calibration images (the test images use seed + 1) */
  seed: number;
  /** ops the quantized graph must contain */
  expectOps: string[];
  opts?: QuantizeInt8Options;
  model: Uint8Array;
}

const model = (inShape: number[], b: NetBuilder, out: string, opset = 13) =>
  buildModel({ inputs: [{ name: 'x', dims: ['N', ...inShape] }], outputs: [{ name: out }], nodes: b.nodes, initializers: b.inits, opset });

function net(title: string, inShape: number[], seed: number, expectOps: string[], build: (b: NetBuilder) => { b: NetBuilder; opset?: number }, builderSeed: number, opts?: QuantizeInt8Options): OpsNet {
  const { b, opset } = build(new NetBuilder(builderSeed));
  return { title, inShape, seed, expectOps, ...(opts ? { opts } : {}), model: model(inShape, b, 'y', opset) };
}

export const OPS_NETS = {
  head: net('MobileNet-style head: AveragePool(8) -> Flatten -> Gemm', [3, 16, 16], 100, ['avgpool', 'gemm'], (b) => {
    let x = b.conv('x', 3, 8, 3);
    x = b.conv(x, 8, 16, 3, { stride: 2 });
    x = b.conv(x, 16, 16, 3, { group: 16 }); // depthwise
    x = b.op('AveragePool', [x], { kernel_shape: [8, 8] });
    x = b.op('Flatten', [x]);
    b.op('Gemm', [x, b.weights([10, 16], 0.4), b.weights([10], 0.1)], { transB: 1 }, 'y');
    return { b };
  }, 11),
  avgpools: net('AveragePool 3x3 s2 with pads, both count_include_pad, ceil_mode', [3, 15, 13], 200, ['avgpool', 'maxpool'], (b) => {
    let x = b.conv('x', 3, 20, 3);
    x = b.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 });
    x = b.conv(x, 20, 17, 1);
    x = b.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 1], ceil_mode: 1 });
    x = b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }); // 5x4 -> 3x2 (floor: 2x2); the planner refused ceil_mode before
    b.op('GlobalAveragePool', [x], undefined, 'y');
    return { b };
  }, 12),
  fire: net('SqueezeNet-style fire modules: squeeze 1x1, expand 1x1 and 3x3, Concat', [3, 16, 16], 300, ['concat'], (b) => {
    const fire = (x: string, cin: number, s: number, e: number) => {
      const sq = b.conv(x, cin, s, 1);
      return b.op('Concat', [b.conv(sq, s, e, 1), b.conv(sq, s, e, 3)], { axis: 1 });
    };
    let x = b.conv('x', 3, 16, 3, { stride: 2 });
    x = fire(x, 16, 8, 16);
    x = b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    x = fire(x, 32, 8, 24);
    x = b.conv(x, 48, 10, 1);
    b.op('GlobalAveragePool', [x], undefined, 'y');
    return { b };
  }, 13),
  concat6: net('Concat of six branches of different scales, requantized: a chain of kernel calls behind tables', [3, 9, 9], 800, ['concat', 'lut'], (b) => {
    const x = b.conv('x', 3, 8, 3);
    const branches = [1, 2, 3, 4, 5, 6].map((k) => b.conv(x, 8, k + 2, k % 2 ? 1 : 3));
    const cat = b.op('Concat', branches, { axis: 1 });
    b.op('GlobalAveragePool', [b.conv(cat, 33, 7, 1)], undefined, 'y');
    return { b };
  }, 18, { concatScale: 'requantize' }),
  se: net('squeeze-excitation block: GlobalAveragePool, 1x1 reduce/expand, HardSigmoid, broadcast Mul, HardSwish', [3, 12, 12], 400, ['mul', 'lut'], (b) => {
    const x = b.conv('x', 3, 24, 3);
    let s = b.op('GlobalAveragePool', [x]);
    s = b.conv(s, 24, 6, 1);
    s = b.conv(s, 6, 24, 1, { relu: false });
    s = b.op('HardSigmoid', [s], { alpha: 0.1666666716337204 });
    let y = b.op('Mul', [x, s]);
    y = b.op('HardSwish', [b.conv(y, 24, 16, 3, { relu: false })]);
    b.op('GlobalAveragePool', [y], undefined, 'y');
    return { b, opset: 14 };
  }, 14),
  nhwc: net('tf2onnx-style: NHWC input Transpose, Dropout, Softmax output', [16, 16, 3], 500, ['softmax'], (b) => {
    let x = b.op('Transpose', ['x'], { perm: [0, 3, 1, 2] });
    x = b.conv(x, 3, 12, 3, { stride: 2 });
    x = b.op('Dropout', [x]);
    x = b.op('GlobalAveragePool', [x]);
    x = b.op('Flatten', [x]);
    x = b.gemm(x, 12, 10);
    b.op('Softmax', [x], { axis: -1 }, 'y');
    return { b };
  }, 15),
  nhwcOut: net('NCHW -> NHWC Transpose at the output', [3, 6, 7], 600, ['conv'], (b) => {
    const x = b.conv('x', 3, 5, 3);
    b.op('Transpose', [x], { perm: [0, 2, 3, 1] }, 'y');
    return { b };
  }, 16),
  unary: net('every unary activation as a table, Clip with any bounds, Mul and Add of a scalar, Relu after a pool', [3, 10, 10], 700, ['lut'], (b) => {
    let x = b.conv('x', 3, 18, 3, { relu: false });
    x = b.op('Sigmoid', [x]);
    x = b.op('Tanh', [b.conv(x, 18, 18, 1, { relu: false })]);
    x = b.op('LeakyRelu', [b.conv(x, 18, 18, 1, { relu: false })], { alpha: 0.1 });
    x = b.op('Elu', [b.conv(x, 18, 18, 1, { relu: false })], { alpha: 0.7 });
    x = b.op('Clip', [x, b.scalar(-0.25), b.scalar(0.6)]);
    x = b.op('Mul', [x, b.scalar(1.5)]);
    x = b.op('Add', [b.scalar(0.25), x]);
    x = b.op('Softplus', [b.op('Neg', [b.op('Selu', [b.op('Abs', [x])])])]);
    x = b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    x = b.op('Relu', [x]);
    b.op('GlobalAveragePool', [x], undefined, 'y');
    return { b };
  }, 17),
} satisfies Record<string, OpsNet>;
