// The CLI on hostile input: exit 70 is kept for bugs, every bad input below exits 1 with one
// line; eval plans memory for the batch the data can fill (class 4); --engine picks the build.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../helpers/npy-writer.js';
import { requireBuiltCli } from '../helpers/cli.js';
import { buildModel, REPO_ROOT, type ModelSpec } from '../helpers/onnx-builder.js';
import { mulberry32 } from '../helpers/rng.js';
import { spawnAsync } from '../helpers/spawn.js';
import { editDq } from './dq-edit.js';
import { smallNet } from './run.js';

const BIN = join(REPO_ROOT, 'bin', 'doubleq.js');
const doubleq = (...args: string[]) => spawnAsync(process.execPath, [BIN, ...args]);
let tmp = '', onnx = '', dq = '', ten = '';

beforeAll(async () => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-hostile-'));
  onnx = join(tmp, 'small.onnx');
  writeFileSync(onnx, smallNet());
  const rng = mulberry32(5);
  ten = join(tmp, 'ten.npy');
  writeFileSync(ten, writeNpy({ dtype: 'uint8', shape: [10, 3, 8, 8], data: Uint8Array.from({ length: 10 * 192 }, () => Math.floor(rng() * 256)) }));
  writeFileSync(join(tmp, 'ten_labels.npy'), writeNpy({ dtype: 'uint8', shape: [10], data: Uint8Array.from({ length: 10 }, (_, i) => i) }));
  dq = join(tmp, 'small.dq');
  const r = await doubleq('quantize', onnx, '--calib', ten, '--format', 'npy', '--out', dq);
  expect(r.code, r.err).toBe(0);
}, 120_000);

/** 16 channels at 32x32 with a residual add: three 16 KiB activations live per image. */
function wideNet(): Uint8Array {
  const w = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + s) * 0.2);
  return buildModel({
    inputs: [{ name: 'x', dims: ['N', 3, 32, 32] }], outputs: [{ name: 'y' }],
    initializers: [{ name: 'w1', dims: [16, 3, 3, 3], data: w(432, 1) }, { name: 'w2', dims: [16, 16, 3, 3], data: w(2304, 2) }, { name: 'wf', dims: [10, 16], data: w(160, 3) }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1'], outputs: ['a'], attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } }, { op: 'Relu', inputs: ['a'], outputs: ['r'] },
      { op: 'Conv', inputs: ['r', 'w2'], outputs: ['b'], attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } }, { op: 'Add', inputs: ['b', 'r'], outputs: ['s'] },
      { op: 'GlobalAveragePool', inputs: ['s'], outputs: ['g'] }, { op: 'Flatten', inputs: ['g'], outputs: ['f'] }, { op: 'Gemm', inputs: ['f', 'wf'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  });
}

describe('class 4: memory planned for the batch actually used', () => {
  // an arena for 100,000 images of this net would need more than the 4 GiB of wasm32
  it('eval --batch 100000 on a 10-image file works (int8 and float)', async () => {
    const rng = mulberry32(6);
    const wide = join(tmp, 'wide.onnx'), images = join(tmp, 'img32.npy'), wdq = join(tmp, 'wide.dq');
    writeFileSync(wide, wideNet());
    writeFileSync(images, writeNpy({ dtype: 'uint8', shape: [10, 3, 32, 32], data: Uint8Array.from({ length: 30720 }, () => Math.floor(rng() * 256)) }));
    writeFileSync(join(tmp, 'img32_labels.npy'), writeNpy({ dtype: 'uint8', shape: [10], data: new Uint8Array(10) }));
    const q = await doubleq('quantize', wide, '--calib', images, '--format', 'npy', '--out', wdq);
    expect(q.code, q.err).toBe(0);
    for (const model of [wdq, wide]) {
      const r = await doubleq('eval', model, '--data', images, '--format', 'npy', '--batch', '100000', '--json');
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out).total).toBe(10);
    }
  }, 120_000);
});

describe('--engine wasm-scalar | wasm-simd', () => {
  it('both builds score the same images identically', async () => {
    const runs = await Promise.all(['wasm-scalar', 'wasm-simd'].map((e) => doubleq('eval', dq, '--data', ten, '--format', 'npy', '--engine', e, '--json')));
    const [scalar, simd] = runs.map((r) => { expect(r.code, r.err).toBe(0); return JSON.parse(r.out); });
    expect(scalar.engine).toBe('wasm-scalar');
    expect(simd.engine).toBe('wasm-simd');
    expect(scalar.correct).toBe(simd.correct);
    const bad = await doubleq('eval', dq, '--data', ten, '--format', 'npy', '--engine', 'gpu');
    expect(bad.code).toBe(2); // a usage error (README: exit codes)
    expect(bad.err).toMatch(/--engine must be one of wasm, wasm-simd, wasm-scalar, reference/);
  }, 120_000);
});

describe('exit 70 never happens on input', () => {
  const X = { name: 'x', dims: [1, 3, 8, 8] };
  const i64 = (name: string, data: number[]) => ({ name, dims: [data.length], data, type: 'int64' as const });
  const models: [string, ModelSpec][] = [
    ['pads of 2^40', { inputs: [X], outputs: [{ name: 'y' }], nodes: [{ op: 'Pad', inputs: ['x', 'p'], outputs: ['y'] }], initializers: [i64('p', [0, 0, 2 ** 40, 0, 0, 0, 0, 0])] }],
    ['an int64 constant into Relu', { inputs: [X], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['k'], outputs: ['r'] }, { op: 'Identity', inputs: ['x'], outputs: ['y'] }], initializers: [i64('k', [1])] }],
    ['two producers of one value', { inputs: [X], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }, { op: 'Relu', inputs: ['x'], outputs: ['y'] }] }],
    ['a stride of 2^40', { inputs: [X], outputs: [{ name: 'y' }], nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2], strides: [2 ** 40, 1] } }] }],
  ];
  it('hostile ONNX models: inspect and quantize exit 1 with one line naming the node', async () => {
    for (const [what, spec] of models) {
      const f = join(tmp, `${what.replace(/\W+/g, '-')}.onnx`);
      writeFileSync(f, buildModel(spec));
      for (const args of [['inspect', f], ['quantize', f, '--calib', ten, '--format', 'npy', '--out', join(tmp, 'never.dq')]]) {
        const r = await doubleq(...args);
        expect(r.code, `${what}: ${r.err}`).toBe(1);
        expect(r.err.trim().split('\n'), what).toHaveLength(1);
        expect(r.err, what).toMatch(/node '/);
      }
    }
  }, 300_000);
  it('a .dq whose Add multiplier is 2^22 exits 1 (it was 70 from the wasm host check)', async () => {
    const { readFileSync } = await import('node:fs');
    const f = join(tmp, 'amult.dq');
    writeFileSync(f, editDq(new Uint8Array(readFileSync(dq)), (g) => { for (const n of g.nodes) if (n.op === 'add') n.aMult = 2 ** 22; }));
    const r = await doubleq('eval', f, '--data', ten, '--format', 'npy');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/aMult = 4194304 is outside the supported range/);
  }, 120_000);
});
