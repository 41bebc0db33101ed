// The seeded fuzzer in CI: a few thousand cases of each kind through the whole chain
// (test/fuzz/chain.ts); bench/fuzz.ts runs 100,000+ and commits the tally. Plus the property
// of issue 9: any model the importer accepts and quantize writes is read back and runs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { buildModel, type NodeSpec, type TensorSpec } from '../helpers/onnx-builder.js';
import { onnxChain } from './chain.js';
import { fuzz, type Tally } from './run.js';

const CASES = Number(process.env.DOUBLEQ_FUZZ_CASES ?? 3000);

function expectClean(t: Tally): void {
  const why = JSON.stringify(t.failures.slice(0, 3), null, 1);
  expect(t.internal, why).toBe(0);
  expect(t.unreadable, why).toBe(0);
  expect(t.mismatch, why).toBe(0);
  expect(t.hangs, why).toBe(0);
  expect(t.ok).toBeGreaterThan(0); // the mutations do not all die at the first check
  expect(t.rejected).toBeGreaterThan(0);
}

describe('seeded fuzzer (CI share)', () => {
  it(`${CASES} mutated ONNX models: no internal error, no unreadable file, no hang`, async () => {
    expectClean(await fuzz({ kind: 'onnx', cases: CASES, seed: 20261201 }));
  }, 600_000);
  it(`${CASES} mutated .dq files: no internal error, wasm equals the reference, no hang`, async () => {
    expectClean(await fuzz({ kind: 'dq', cases: CASES, seed: 20261201 }));
  }, 600_000);
});

/** A random small conv net: every geometry the importer accepts must quantize, read back and run (or be refused clearly). */
const netArb = fc.record({
  c: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 12 }),
  layers: fc.array(fc.record({
    kind: fc.constantFrom('conv', 'maxpool', 'avgpool', 'add', 'pad', 'relu'),
    m: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 2 }),
    p: fc.integer({ min: 0, max: 3 }), same: fc.boolean(), scale: fc.double({ min: -3, max: 3, noNaN: true }),
  }), { minLength: 1, maxLength: 5 }),
  fc: fc.integer({ min: 1, max: 6 }),
});

type Net = typeof netArb extends fc.Arbitrary<infer T> ? T : never;

function build(n: Net): Uint8Array {
  const nodes: NodeSpec[] = [], inits: TensorSpec[] = [];
  let x = 'x', c = n.c;
  n.layers.forEach((l, i) => {
    const y = `v${i}`;
    const win: Record<string, string | number[]> = l.same ? { auto_pad: 'SAME_UPPER' } : { pads: [l.p, l.p, l.p, l.p] };
    if (l.kind === 'conv') {
      inits.push({ name: `w${i}`, dims: [l.m, c, l.k, l.k], data: Array.from({ length: l.m * c * l.k * l.k }, (_, j) => Math.sin(j + i) * l.scale) });
      nodes.push({ op: 'Conv', inputs: [x, `w${i}`], outputs: [y], attrs: { kernel_shape: [l.k, l.k], strides: [l.s, l.s], dilations: [l.d, l.d], ...win } });
      c = l.m;
    } else if (l.kind === 'maxpool' || l.kind === 'avgpool') {
      nodes.push({ op: l.kind === 'maxpool' ? 'MaxPool' : 'AveragePool', inputs: [x], outputs: [y], attrs: { kernel_shape: [l.k, l.k], strides: [l.s, l.s], ...win } });
    } else if (l.kind === 'add') nodes.push({ op: 'Add', inputs: [x, x], outputs: [y] });
    else if (l.kind === 'pad') {
      inits.push({ name: `p${i}`, dims: [8], data: [0, 0, l.p, l.k - 1, 0, 0, l.s - 1, l.p], type: 'int64' });
      nodes.push({ op: 'Pad', inputs: [x, `p${i}`], outputs: [y] });
    } else nodes.push({ op: 'Relu', inputs: [x], outputs: [y] });
    x = y;
  });
  inits.push({ name: 'wf', dims: [n.fc, c], data: Array.from({ length: n.fc * c }, (_, j) => Math.cos(j)) });
  nodes.push({ op: 'GlobalAveragePool', inputs: [x], outputs: ['g'] }, { op: 'Flatten', inputs: ['g'], outputs: ['f'] }, { op: 'Gemm', inputs: ['f', 'wf'], outputs: ['y'], attrs: { transB: 1 } });
  return buildModel({ inputs: [{ name: 'x', dims: [1, n.c, n.h, n.w] }], outputs: [{ name: 'y' }], nodes, initializers: inits });
}

describe('property: accepted by the importer and written by quantize => read back and runs', () => {
  it('random conv/pool/add/pad nets', async () => {
    let engine = await loadEngine();
    let ran = 0;
    await fc.assert(fc.asyncProperty(netArb, async (n) => {
      const r = await onnxChain(build(n), { engine });
      if (r.kind !== 'ok' && r.kind !== 'rejected') engine = await loadEngine();
      if (r.kind === 'ok') ran++;
      expect(r.kind === 'ok' || (r.kind === 'rejected' && r.stage !== 'read back'), JSON.stringify(r)).toBe(true);
    }), { numRuns: 300, seed: 9 });
    expect(ran).toBeGreaterThan(100); // most random nets really go through the whole chain
  }, 600_000);
});
