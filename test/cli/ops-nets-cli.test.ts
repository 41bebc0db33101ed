// The issue-12 acceptance nets as a user runs them: a network ending in AveragePool(8) and a
// SqueezeNet-style one (fire modules, Concat) quantize, evaluate and inspect from the command
// line; a model with an op that has no integer path fails with one line naming op and node.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, failureWithCode, requireBuiltCli } from '../helpers/cli.js';
import { writeNpy } from '../helpers/npy-writer.js';
import { buildModel } from '../helpers/onnx-builder.js';
import { mulberry32 } from '../helpers/rng.js';
import { NetBuilder } from '../helpers/small-nets.js';

let tmp = '';
const N = 24;

beforeAll(() => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-ops-'));
  const r = mulberry32(5);
  writeFileSync(join(tmp, 'x.npy'), writeNpy({ dtype: 'float32', shape: [N, 3, 16, 16], data: Float32Array.from({ length: N * 768 }, () => r() * 2 - 1) }));
  writeFileSync(join(tmp, 'x_labels.npy'), writeNpy({ dtype: 'int64', shape: [N], data: BigInt64Array.from({ length: N }, (_, i) => BigInt(i % 10)) }));
});

function avgpoolNet(): Uint8Array {
  const b = new NetBuilder(21);
  let x = b.conv('x', 3, 16, 3, { stride: 2 });
  x = b.op('AveragePool', [x], { kernel_shape: [8, 8] });
  x = b.op('Flatten', [x]);
  b.gemm(x, 16, 10);
  b.nodes.at(-1)!.outputs = ['y'];
  return buildModel({ inputs: [{ name: 'x', dims: ['N', 3, 16, 16] }], outputs: [{ name: 'y' }], nodes: b.nodes, initializers: b.inits });
}

function fireNet(): Uint8Array {
  const b = new NetBuilder(22);
  let x = b.conv('x', 3, 16, 3, { stride: 2 });
  const sq = b.conv(x, 16, 8, 1);
  x = b.op('Concat', [b.conv(sq, 8, 16, 1), b.conv(sq, 8, 16, 3)], { axis: 1 });
  x = b.conv(x, 32, 10, 1);
  b.op('GlobalAveragePool', [x]);
  b.op('Flatten', [b.nodes.at(-1)!.outputs[0]!], undefined, 'y');
  return buildModel({ inputs: [{ name: 'x', dims: ['N', 3, 16, 16] }], outputs: [{ name: 'y' }], nodes: b.nodes, initializers: b.inits });
}

describe('issue-12 nets from the command line', () => {
  for (const [name, make] of [['avgpool8', avgpoolNet], ['squeezenet-style', fireNet]] as const) {
    it(`${name}: quantize, eval and inspect the .dq`, async () => {
      const onnx = join(tmp, `${name}.onnx`), out = join(tmp, `${name}.dq`), data = join(tmp, 'x.npy');
      writeFileSync(onnx, make());
      const q = await cli('quantize', onnx, '--calib', data, '--format', 'npy', '--out', out, '--json');
      expect(q.code, q.err).toBe(0);
      const e = await cli('eval', out, '--data', data, '--format', 'npy', '--json');
      expect(e.code, e.err).toBe(0);
      expect(JSON.parse(e.out)).toMatchObject({ modelKind: 'int8', total: N });
      const f = JSON.parse((await cli('eval', onnx, '--data', data, '--format', 'npy', '--json')).out);
      expect(f.total).toBe(N);
      const i = await cli('inspect', out, '--json');
      expect(i.code, i.err).toBe(0);
      expect(JSON.parse(i.out).kind).toBe('int8');
    });
  }

  it('tf2onnx-style NHWC input (Transpose to NCHW), Softmax output: the .dq takes the same NHWC data', async () => {
    const b = new NetBuilder(24);
    let x = b.op('Transpose', ['x'], { perm: [0, 3, 1, 2] });
    x = b.op('GlobalAveragePool', [b.conv(x, 3, 12, 3, { stride: 2 })]);
    b.op('Softmax', [b.gemm(b.op('Flatten', [x]), 12, 10)], { axis: -1 }, 'y');
    const onnx = join(tmp, 'nhwc.onnx'), out = join(tmp, 'nhwc.dq'), data = join(tmp, 'nhwc.npy');
    writeFileSync(onnx, buildModel({ inputs: [{ name: 'x', dims: ['N', 16, 16, 3] }], outputs: [{ name: 'y' }], nodes: b.nodes, initializers: b.inits }));
    const r = mulberry32(6);
    writeFileSync(data, writeNpy({ dtype: 'float32', shape: [N, 16, 16, 3], data: Float32Array.from({ length: N * 768 }, () => r() * 2 - 1) }));
    writeFileSync(join(tmp, 'nhwc_labels.npy'), writeNpy({ dtype: 'int64', shape: [N], data: BigInt64Array.from({ length: N }, (_, i) => BigInt(i % 10)) }));
    const q = await cli('quantize', onnx, '--calib', data, '--format', 'npy', '--out', out);
    expect(q.code, q.err).toBe(0);
    const e = await cli('eval', out, '--data', data, '--format', 'npy', '--json');
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out)).toMatchObject({ modelKind: 'int8', total: N });
  });

  it('a Transpose inside the network: exit 1, one line naming the op and the node', async () => {
    const b = new NetBuilder(23);
    const x = b.conv('x', 3, 4, 3);
    b.op('Transpose', [x], { perm: [0, 1, 3, 2] }, 't');
    b.op('Relu', ['t'], undefined, 'y');
    const onnx = join(tmp, 'mid-transpose.onnx');
    writeFileSync(onnx, buildModel({ inputs: [{ name: 'x', dims: ['N', 3, 16, 16] }], outputs: [{ name: 'y' }], nodes: b.nodes, initializers: b.inits }));
    const { code, line } = await failureWithCode('quantize', onnx, '--calib', join(tmp, 'x.npy'), '--format', 'npy', '--out', join(tmp, 'no.dq'));
    expect(code).toBe(1);
    expect(line).toMatch(/node 'Transpose_2' \(Transpose\): a Transpose \(perm \[0,1,3,2\]\) has no integer kernel/);
  });
});
