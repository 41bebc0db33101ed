// With an engine, the float executor runs Clip and Relu on their wasm kernels: every such node's
// output must be the bytes the reference op gives on the same input (observed per node), with
// and without an observe hook (in place or not), on real activations and on NaN / -0 / Inf.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/engine.js';
import { f32, type Tensor } from '../../../src/ir/tensor.js';
import { OPS } from '../../../src/ops/registry.js';
import { F32Executor } from '../../../src/runtime/f32-executor.js';
import { FloatModel } from '../../../src/runtime/float-model.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import { SHARED } from '../../helpers/onnx-builder.js';
import { cifarImages } from '../../helpers/resnet.js';

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine({ simd: true });
});
const bytes = (t: Tensor) => Buffer.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));

describe.each([['resnet20-cifar10.onnx', 'Relu'], ['mbv2tiny-cifar10.onnx', 'Clip']])('F32Executor %s: %s on the wasm kernel', (file, op) => {
  it('gives the reference op\'s bytes for every node', async () => {
    const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(SHARED, 'models', file))));
    const N = 2, g = model.graphFor(N);
    const images = (await cifarImages('test.bin', N)).images;
    images[5] = NaN; images[6] = -0; images[7] = Infinity; images[8] = -Infinity; // reach the first activation's inputs
    let checked = 0;
    const ex = new F32Executor(g, {
      engine,
      observe: (node, outs, ins) => {
        if (node.op !== op) return;
        const want = OPS.get(op)!.run(ins, node.attrs)[0]!;
        expect(bytes(outs[0]!).equals(bytes(want)), node.name).toBe(true);
        checked++;
      },
    });
    const observed = ex.run({ [g.inputs[0]!.name]: f32(g.inputs[0]!.shape, images) });
    expect(checked).toBeGreaterThan(3);
    // without a hook the same nodes may run in place: the logits stay the same bytes
    const plain = new F32Executor(g, { engine }).run({ [g.inputs[0]!.name]: f32(g.inputs[0]!.shape, images) });
    for (const o of g.outputs) expect(bytes(plain[o.name]!).equals(bytes(observed[o.name]!))).toBe(true);
  });
});
