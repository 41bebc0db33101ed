// ParallelQExecutor: the same bytes as the one-thread QExecutor for 1, 2 and 3 threads, on
// graphs whose row / image / element splits leave uneven tails, int8 and power-of-two (codes
// and shift-add), scalar and SIMD; for any schedule (units per thread, a late thread whose units
// the others steal); and the job plan's barriers.

import { afterAll, describe, expect, it } from 'vitest';
import type { QAdd, QConv, QGraph, QNode, QValue } from '../../src/ir/qgraph.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { ParallelQExecutor } from '../../src/runtime/parallel-executor.js';
import type { Job } from '../../src/runtime/parallel-job.js';
import { ranges, splitCall } from '../../src/runtime/split-specs.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { makeConvCase, type ConvCase } from '../kernels/harness.js';
import { potWeights } from '../helpers/pot-codes.js';
import { mulberry32, randInt } from '../helpers/rng.js';

const int8W = (rng: () => number, count: number) => ({ weights: new Int8Array(count).map(() => randInt(rng, -128, 127)) });
const potW = (rng: () => number, count: number, per: number) => {
  const { weights, rule, bits } = potWeights(rng, count, per, {});
  return { weights, pot: { rule, bits } };
};

/** x -> conv0 -> v0 -> conv1 -> v1 -> ... ; the last value added to the one before it when shapes agree. */
function chain(name: string, cases: (ConvCase & { pot?: boolean })[], seed: number): QGraph {
  const values = new Map<string, QValue>();
  const nodes: QNode[] = [];
  let prev = 'x';
  cases.forEach((t, i) => {
    const c = makeConvCase(t, seed + i, (rng, count, per) => (t.pot ? potW(rng, count, per) : int8W(rng, count)), `${name}/conv${i}`);
    if (i === 0) values.set('x', { name: 'x', shape: [t.h, t.w, t.c], q: c.xq });
    const out = `v${i}`;
    const g = c.node.geometry;
    if (values.get(prev)!.shape.join() !== [g.h, g.w, g.c].join()) throw new Error(`${name}: conv${i} input ${[g.h, g.w, g.c]} is not ${values.get(prev)!.shape}`);
    values.set(out, { name: out, shape: [g.oh, g.ow, g.m], q: c.yq });
    nodes.push({ ...c.node, inputs: [prev], outputs: [out] } as QConv);
    prev = out;
  });
  const last = values.get(prev)!, before = values.get(`v${cases.length - 2}`);
  if (before && before.shape.join() === last.shape.join()) {
    const add: QAdd = { op: 'add', name: `${name}/add`, inputs: [before.name, prev], outputs: ['sum'], size: last.shape.reduce((p, d) => p * d, 1), aMult: 3 << 17, bMult: 5 << 16, shift: 20, qmin: -128, qmax: 127 };
    values.set('sum', { name: 'sum', shape: last.shape, q: { scale: 0.1, zeroPoint: 3 } });
    nodes.push(add);
    prev = 'sum';
  }
  const s = values.get(prev)!.shape;
  const x = values.get('x')!;
  return { name, input: { name: 'input', shape: [x.shape[2]!, x.shape[0]!, x.shape[1]!], q: x.q, quantized: 'x' }, outputs: [{ name: 'out', shape: s, quantized: prev }], values, nodes };
}

// odd sizes: 7 and 9 rows (3 threads: 2/2/3, 3/3/3 over odd images), stride 2 with uneven pads, a
// 1-row output, channel counts that are no multiple of 4 or 16
const SHAPES: (ConvCase & { pot?: boolean })[][] = [
  [{ c: 3, h: 9, w: 7, m: 6 }, { c: 6, h: 9, w: 7, m: 6, pot: true }, { c: 6, h: 9, w: 7, m: 6 }],
  [{ c: 5, h: 7, w: 5, m: 20, stride: [2, 2], pads: [1, 0, 0, 1] }, { c: 20, h: 3, w: 2, m: 20, pot: true }, { c: 20, h: 3, w: 2, m: 20, pot: true }],
  [{ c: 4, h: 11, w: 3, m: 8, kh: 5, kw: 3, pads: [2, 1, 2, 1], dilation: [2, 1] }, { c: 8, h: 7, w: 3, m: 8, kh: 7, kw: 1, pads: [0, 0, 0, 0], pot: true }],
  // shift-add parts are cut at 4-row blocks of 8 pixels (a 32-pixel panel): 13 rows leave a 1-row tail
  [{ c: 3, h: 13, w: 8, m: 8 }, { c: 8, h: 13, w: 8, m: 8, pot: true }],
];

function input(g: QGraph, n: number, seed: number): Int8Array {
  const rng = mulberry32(seed);
  return new Int8Array(n * g.values.get('x')!.shape.reduce((p, d) => p * d, 1)).map(() => randInt(rng, -128, 127));
}

const open: ParallelQExecutor[] = [];
afterAll(async () => {
  await Promise.all(open.map((e) => e.dispose()));
});

describe('byte-identical for every thread count', () => {
  for (const simd of [true, false]) {
    for (const weights of ['compact', 'fast'] as const) {
      it(`${simd ? 'SIMD' : 'scalar'}, ${weights} weights (PoT as ${weights === 'fast' ? 'shift-add' : 'codes'})`, async () => {
        const engine = await loadEngine({ simd });
        for (const [i, cases] of SHAPES.entries()) {
          const g = chain(`g${i}`, cases, 100 * i);
          const N = 5;
          const x = input(g, N, i);
          const want = new QExecutor(g, engine, N, { weights }).runInt8(x, N)[0]!;
          for (const threads of [1, 2, 3]) {
            const ex = await ParallelQExecutor.create(g, N, { threads, simd, weights });
            open.push(ex);
            expect(ex.simd).toBe(simd);
            for (const n of [1, 2, N]) {
              const got = ex.runInt8(x.subarray(0, (n * x.length) / N), n)[0]!;
              expect(got, `graph ${i}, ${threads} threads, batch ${n}`).toEqual(want.subarray(0, got.length));
            }
            await ex.dispose();
          }
        }
      }, 60_000);
    }
  }
});

describe('byte-identical for every schedule', () => {
  it('1 or 3 units per thread, and a late thread whose units the others run: the one-thread bytes', async () => {
    const engine = await loadEngine({ simd: true });
    for (const [i, cases] of SHAPES.entries()) {
      const g = chain(`u${i}`, cases, 100 * i + 7);
      const N = 5;
      const x = input(g, N, i + 20);
      const want = new QExecutor(g, engine, N).runInt8(x, N)[0]!;
      for (const [threads, unitsPerThread, late] of [[2, 1, 1], [2, 3, 0], [3, 3, 2]] as const) {
        const ex = await ParallelQExecutor.create(g, N, { threads, unitsPerThread });
        open.push(ex);
        for (const n of [1, 2, N]) {
          const xs = x.subarray(0, (n * x.length) / N);
          expect(ex.runInt8(xs, n)[0], `graph ${i}, ${threads} threads x ${unitsPerThread} units, batch ${n}`).toEqual(want.subarray(0, (n * want.length) / N));
          const before = ex.steals;
          ex.injectFault(late, 'delay');
          expect(ex.runInt8(xs, n)[0], `graph ${i}, thread ${late} late, batch ${n}`).toEqual(want.subarray(0, (n * want.length) / N));
          expect(ex.steals, `graph ${i}, thread ${late} late, batch ${n}: its first phase's units ran elsewhere`).toBeGreaterThan(before);
        }
        await ex.dispose();
      }
    }
  }, 60_000);

  it('unitsPerThread outside [1, 64] is an error naming it', async () => {
    const g = chain('bad', SHAPES[0]!, 3);
    for (const u of [0, 1.5, 65]) await expect(ParallelQExecutor.create(g, 1, { threads: 2, unitsPerThread: u })).rejects.toThrow(/unitsPerThread must be an integer in \[1, 64\], got/);
  });
});

describe('the input quantize, share-wise on every thread', () => {
  it('run() on floats (ties, clamped, -0) gives the one-thread bytes for 1, 2 and 3 threads and batches 1, 2, 5; NaN is an error', async () => {
    const g = chain('q', SHAPES[0]!, 11);
    const N = 5, per = g.input.shape.reduce((p, d) => p * d, 1), s = g.input.q.scale;
    const rng = mulberry32(12);
    const x = new Float32Array(N * per).map((_, i) => (i % 7 === 0 ? Math.fround((randInt(rng, -140, 140) + 0.5) * s) : i % 11 === 0 ? (i % 2 ? -0 : 1e6) : (rng() - 0.5) * 300 * s));
    const one = new QExecutor(g, await loadEngine({ simd: true }), N);
    for (const threads of [1, 2, 3]) {
      const ex = await ParallelQExecutor.create(g, N, { threads });
      open.push(ex);
      for (const n of [1, 2, N]) {
        const xs = x.subarray(0, n * per);
        expect(ex.runQuantized(xs, n)[0], `${threads} threads, batch ${n}`).toEqual(one.runQuantized(xs, n)[0]);
        expect(ex.run(xs, n)[0]).toEqual(one.run(xs, n)[0]);
      }
      const bad = x.slice(0, per);
      bad[per - 2] = Number.NaN;
      expect(() => ex.run(bad, 1)).toThrow(/input contains NaN/);
      expect(() => ex.run(x.subarray(0, per - 1), 1)).toThrow(/expected 1 x/);
      await ex.dispose();
    }
  }, 60_000);
});

describe('the job plan', () => {
  it('row splits cover every output row once, with tails', () => {
    expect(ranges(7, 3)).toEqual([[0, 2], [2, 4], [4, 7]]);
    const g = chain('s', SHAPES[0]!, 1);
    const p = { input: 1024, output: 4096, scratch: 8192, n: 3, c: 3, h: 9, w: 7, m: 6, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, group: 1, oh: 9, ow: 7 };
    const { parts, split } = splitCall('qs8-qc8w-conv2d', p, 2);
    expect(split).toBe(true);
    // 27 image rows: thread 0 has image 0 and rows 0-3 of image 1, thread 1 rows 4-8 of image 1 and image 2
    expect(parts.map((cs) => cs.map((q) => [q.n, q.oh, q.h, q.padTop]))).toEqual([[[1, 9, 9, 1], [1, 4, 5, 1]], [[1, 5, 6, 0], [1, 9, 9, 1]]]);
    expect(g.nodes.length).toBe(4);
  });

  it('batch 1: one barrier per conv; the residual Add shares its conv\'s phase unless the plan reuses the conv\'s input for it', async () => {
    // 9 rows of 7 x 6: the Add is cut where the conv's rows were (4 / 5 rows: 168 values), not at 16-value blocks
    const g = chain('r', SHAPES[0]!, 5);
    const add = g.nodes[3]!;
    g.nodes[3] = { ...add, inputs: ['v0', 'v2'] } as QNode; // v0 -> conv1 -> v1 -> conv2 -> v2, + v0: the sum may take v1's bytes
    const x = input(g, 1, 9);
    const want = new QExecutor(g, await loadEngine({ simd: true }), 1).runInt8(x, 1)[0]!;
    for (const [reuseDelay, barriers] of [[undefined, 4], [0, 5]] as const) { // the input's quantize, then one per conv
      const ex = await ParallelQExecutor.create(g, 1, { threads: 2, reuseDelay });
      open.push(ex);
      expect(ex.barriers(1), `reuseDelay ${reuseDelay}`).toBe(barriers);
      expect(ex.runInt8(x, 1)[0]).toEqual(want);
      await ex.dispose();
      expect(ex.barriers(1)).toBe(0);
    }
  }, 30_000);

  it('shift-add conv parts hold whole 32-pixel panels where the map has them (a part panel costs a whole one)', () => {
    const p = { input: 1024, output: 4096, scratch: 8192, packed: 0, n: 1, c: 8, h: 8, w: 8, m: 8, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, group: 1, oh: 8, ow: 8 };
    // 8 x 8 pixels: 2 panels, so 2 of 8 units get 4 rows each; int8 cuts by rows
    expect(splitCall('qs8-potw-conv2d', p, 8).parts.map((cs) => cs.map((q) => q.oh))).toEqual([[], [], [], [4], [], [], [], [4]]);
    expect(splitCall('qs8-qc8w-conv2d', p, 8).parts.map((cs) => cs.map((q) => q.oh))).toEqual([[1], [1], [1], [1], [1], [1], [1], [1]]);
    // 3 images of 5 rows at 16 pixels a row: 2-row blocks, 3 + 3 + 2 of them (rows 0-3, 4-9, 10-14); a part across an image boundary is two calls
    const three = splitCall('qs8-potw-conv2d', { ...p, n: 3, h: 5, oh: 5, w: 16, ow: 16 }, 3).parts;
    expect(three.map((cs) => cs.map((q) => [q.n, q.oh]))).toEqual([[[1, 4]], [[1, 1], [1, 5]], [[1, 5]]]);
  });

  it('below a batch of one unit per image, a thread unpacks each compact conv once for all the row parts it takes', async () => {
    const g = chain('o', SHAPES[0]!, 21);
    const ex = await ParallelQExecutor.create(g, 8, { threads: 2 });
    open.push(ex);
    const job = (n: number) => (ex as unknown as { job(n: number, k: number, q: boolean): Job }).job(n, 2, false);
    const convs = g.nodes.filter((x) => x.op === 'conv').length;
    for (const ph of job(1).phases) {
      for (const cs of ph) {
        const parts = cs.filter((c) => c.own === 'packed');
        if (parts.length === 0) continue;
        // the unit's first call unpacks that step into the thread's region; its parts read it
        expect(cs[0]!.once, 'a unit with conv parts starts with the unpack').toBeGreaterThanOrEqual(0);
        expect(cs[0]!.own).toBe('unpacked');
        expect(cs[0]!.params.oh).toBe(0);
        for (const c of parts) expect(c.params.codeBits).toBe(0);
      }
    }
    const keys = new Set(job(1).phases.flat(2).flatMap((c) => (c.once === undefined ? [] : [c.once])));
    expect(keys.size, 'one unpack step per conv').toBe(convs);
    // 8 images, 8 units: units are whole images, each conv call unpacks into its thread's region
    expect(job(8).phases.flat(2).some((c) => c.once !== undefined)).toBe(false);
    await ex.dispose();
  }, 30_000);

  it('a kernel without a split entry runs whole on thread 0', () => {
    const { parts, split } = splitCall('f32-conv2d', { n: 4 }, 3);
    expect(split).toBe(false);
    expect(parts.map((c) => c.length)).toEqual([1, 0, 0]);
  });
});
