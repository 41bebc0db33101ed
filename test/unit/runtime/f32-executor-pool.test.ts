// The float executor's reused buffers change no float result: every node output (seen through
// `observe`) and the logits are byte-identical to a run whose pool never keeps a buffer (the
// behaviour before the pool: every output fresh), also on the second and third run when every
// buffer is a dirty reused one; returned tensors stay the caller's across later runs.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/engine.js';
import { f32, type Tensor } from '../../../src/ir/tensor.js';
import { F32BufferPool } from '../../../src/runtime/f32-buffer-pool.js';
import { F32Executor } from '../../../src/runtime/f32-executor.js';
import { FloatModel } from '../../../src/runtime/float-model.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import { SHARED } from '../../helpers/onnx-builder.js';
import { cifarImages } from '../../helpers/resnet.js';

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine({ simd: true });
});

type Trace = Map<string, Uint8Array>;
const bytes = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();

/** Logits and every node output of one run, as copied bytes. */
function trace(model: FloatModel, images: Float32Array, n: number, pool: F32BufferPool, opts: { engine?: Engine; observe: boolean }): Trace {
  const g = model.graphFor(n);
  const seen: Trace = new Map();
  const ex = new F32Executor(g, {
    engine: opts.engine, pool,
    observe: opts.observe ? (node, outs) => node.outputs.forEach((o, k) => seen.set(o, bytes(outs[k]!))) : undefined,
  });
  const out = ex.run({ [g.inputs[0]!.name]: f32(g.inputs[0]!.shape, images) });
  for (const o of g.outputs) seen.set(`output:${o.name}`, bytes(out[o.name]!));
  return seen;
}

// wasm conv; without an engine Conv is the reference op, which takes no pooled buffer.
describe.each([
  ['resnet20-cifar10.onnx', true],
  ['mbv2tiny-cifar10.onnx', true],
])('F32Executor buffer pool on %s (wasm conv: %s)', (file, wasm) => {
  const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(SHARED, 'models', file))));
  const N = 3;

  it('gives byte-identical node outputs and logits on reused (dirty) buffers, with and without observe', async () => {
    const a = (await cifarImages('test.bin', N)).images, b = (await cifarImages('calib.bin', N)).images;
    const e = wasm ? engine : undefined;
    const fresh = new F32BufferPool(0); // holds nothing: every buffer newly allocated
    const want = [trace(model, a, N, fresh, { engine: e, observe: true }), trace(model, b, N, fresh, { engine: e, observe: true })];
    const pool = new F32BufferPool();
    for (const observe of [true, false, true]) {
      for (const [k, images] of [a, b].entries()) {
        const got = trace(model, images, N, pool, { engine: e, observe });
        // Buffer.equals: vitest's toEqual on large typed arrays takes minutes
        for (const [name, v] of got) expect(Buffer.from(v).equals(want[k]!.get(name)!), `${name} (run ${k}, observe ${observe})`).toBe(true);
        if (observe) expect(got.size).toBe(want[k]!.size);
      }
      expect(pool.heldBytes).toBeGreaterThan(0); // buffers were given back, so the next runs reuse them
    }
  });

  it('leaves a returned tensor untouched by later runs of the same and of other executors', async () => {
    const a = (await cifarImages('test.bin', N)).images, b = (await cifarImages('calib.bin', N)).images;
    const g = model.graphFor(N), name = g.outputs[0]!.name, input = g.inputs[0]!.name;
    const pool = new F32BufferPool();
    const ex = new F32Executor(g, { engine: wasm ? engine : undefined, pool });
    const kept = ex.run({ [input]: f32(g.inputs[0]!.shape, a) })[name]!;
    const copy = bytes(kept);
    ex.run({ [input]: f32(g.inputs[0]!.shape, b) });
    new F32Executor(g, { engine: wasm ? engine : undefined, pool }).run({ [input]: f32(g.inputs[0]!.shape, b) });
    expect(Buffer.from(bytes(kept)).equals(copy)).toBe(true);
  });
});

describe('F32BufferPool', () => {
  it('hands back given buffers zero-filled (or as they are when asked), and holds no more than its cap', () => {
    const pool = new F32BufferPool(64);
    const a = pool.take(8);
    a.fill(3);
    pool.give(a);
    expect(pool.heldBytes).toBe(32);
    const b = pool.take(8);
    expect(b).toBe(a);
    expect([...b]).toEqual(new Array(8).fill(0));
    b.fill(5);
    pool.give(b);
    expect(pool.take(8, false)[0]).toBe(5);
    pool.give(new Float32Array(8));
    pool.give(new Float32Array(8));
    pool.give(new Float32Array(8)); // over the 64-byte cap: dropped
    expect(pool.heldBytes).toBe(64);
    pool.give(new Float32Array(16).subarray(4, 8)); // a view is never pooled
    expect(pool.heldBytes).toBe(64);
    pool.clear();
    expect(pool.heldBytes).toBe(0);
  });
});
