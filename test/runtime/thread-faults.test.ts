// A trap in one thread or a worker that exits ends the run with an error naming the thread, never
// a hang; after a trap the executor runs on, after an exit it says it is unusable.

import { describe, expect, it } from 'vitest';
import type { QConv, QGraph } from '../../src/ir/qgraph.js';
import { ParallelQExecutor } from '../../src/runtime/parallel-executor.js';
import { makeConvCase } from '../kernels/harness.js';
import { randInt } from '../helpers/rng.js';

function oneConv(): { g: QGraph; x: Int8Array } {
  const c = makeConvCase({ c: 8, h: 12, w: 12, m: 16 }, 7, (rng, count) => ({ weights: new Int8Array(count).map(() => randInt(rng, -128, 127)) }), 'conv');
  const g: QGraph = {
    name: 'one-conv', input: { name: 'input', shape: [8, 12, 12], q: c.xq, quantized: 'x' }, outputs: [{ name: 'out', shape: [12, 12, 16], quantized: 'y' }],
    values: new Map([['x', { name: 'x', shape: [12, 12, 8], q: c.xq }], ['y', { name: 'y', shape: [12, 12, 16], q: c.yq }]]), nodes: [c.node as QConv],
  };
  return { g, x: c.x };
}

describe('faults', () => {
  it('a wasm trap in a worker or in the main thread: an error naming the thread, then the next run is right', async () => {
    const { g, x } = oneConv();
    const ex = await ParallelQExecutor.create(g, 1, { threads: 3 });
    try {
      const want = ex.runInt8(x, 1)[0]!;
      ex.injectFault(2, 'trap');
      expect(() => ex.runInt8(x, 1)).toThrow(/compute thread 2 failed: .*(out of bounds|memory)/i);
      expect(ex.runInt8(x, 1)[0]).toEqual(want);
      ex.injectFault(0, 'trap');
      expect(() => ex.runInt8(x, 1)).toThrow(/compute thread 0 failed/);
      expect(ex.runInt8(x, 1)[0]).toEqual(want);
    } finally {
      await ex.dispose();
    }
  }, 30_000);

  it('a worker that exits mid-run: an error, then every run says the executor is unusable', async () => {
    const { g, x } = oneConv();
    const ex = await ParallelQExecutor.create(g, 1, { threads: 2 });
    try {
      ex.runInt8(x, 1);
      ex.injectFault(1, 'exit');
      const t0 = performance.now();
      expect(() => ex.runInt8(x, 1)).toThrow(/compute thread 1 exited/);
      expect(performance.now() - t0).toBeLessThan(10_000);
      await new Promise((r) => setTimeout(r, 50)); // the exit event
      expect(() => ex.runInt8(x, 1)).toThrow(/unusable|exited/);
    } finally {
      await ex.dispose();
    }
  }, 30_000);

  it('dispose() stops the workers; the executor then runs on the calling thread, same bytes', async () => {
    const { g, x } = oneConv();
    const ex = await ParallelQExecutor.create(g, 1, { threads: 2 });
    const want = ex.runInt8(x, 1)[0]!;
    await ex.dispose();
    await ex.dispose();
    expect(ex.participants(1)).toBe(1);
    expect(ex.runInt8(x, 1)[0]).toEqual(want);
  }, 30_000);
});
