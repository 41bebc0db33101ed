// Issue 10: the resident weight form as a library option, and DoubleQExt / the frontier under a
// budget of runtime memory (the executor's wasm memory at batch 1), on the embedded default model.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as dq from '../../src/index.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { REPO_ROOT } from '../helpers/onnx-builder.js';

const digits = dq.parseDigits(readFileSync(join(REPO_ROOT, 'models/mnist-digits.bin')));
let cal: dq.Calibration, r8: number, rAll: number;

/** Wasm memory an executor of `m` (batch 1) takes from a fresh engine: the engine's own count. */
async function allocated(m: dq.QuantizedNet, weights: 'compact' | 'fast' = 'compact'): Promise<number> {
  const e = await loadEngine();
  const before = e.allocatedBytes;
  new QExecutor(m.q, e, 1, { weights });
  return e.allocatedBytes - before;
}

beforeAll(async () => {
  cal = await dq.calibrate(dq.loadModel(readFileSync(join(REPO_ROOT, 'models/mnist-resnet.onnx'))) as dq.FloatNet, digits.train.batches(100), { limit: 200 });
  r8 = (await dq.inspect(await dq.quantize(cal))).totals.residentBytes!;
  rAll = (await dq.inspect(await dq.quantize(cal, { pot: 'all' }))).totals.residentBytes!;
});

describe('weights: compact | fast', () => {
  it('same logits in both forms; inspect reports each form as the engine allocates it', async () => {
    const q = await dq.quantize(cal, { pot: 'all' });
    const x = digits.test.images.subarray(0, 7 * 784);
    expect(Buffer.from((await dq.run(q, x, { weights: 'fast' })).buffer)).toEqual(Buffer.from((await dq.run(q, x)).buffer));
    const compact = await dq.inspect(q), fast = await dq.inspect(q, { weights: 'fast' });
    expect(compact.totals.residentBytes).toBe(await allocated(q));
    expect(fast.totals.residentBytes).toBe(await allocated(q, 'fast'));
    expect(compact.totals.residentBytes).toBeLessThan(fast.totals.residentBytes!); // shift-add tap lists are larger than codes
    const rt = compact.totals.runtimeBytes!;
    expect(rt.weights + rt.constants + rt.scratch + rt.arena).toBe(rt.total);
    await expect(dq.run(q, x, { weights: 'small' as 'fast' })).rejects.toThrow(/weights must be 'compact' or 'fast', got 'small'/);
    await expect(dq.inspect(q, { weights: 'small' as 'fast' })).rejects.toThrow(/weights must be 'compact' or 'fast'/);
  });
});

describe('DoubleQExt under a runtime budget', () => {
  it('all power of two needs less runtime memory than 8-bit (the precondition of the tests below)', () => {
    expect(rAll).toBeLessThan(r8);
  });

  it('the chosen model fits the budget, as the engine counts it, with the least-cost layers', async () => {
    const budget = Math.floor((r8 + rAll) / 2);
    for (const search of ['knapsack', 'greedy'] as const) {
      const ext = await dq.quantize(cal, { budget: `${budget}B`, budgetOf: 'runtime', metric: 'error', search });
      const total = (await dq.inspect(ext)).totals.residentBytes!;
      expect(total).toBeLessThanOrEqual(budget);
      expect(total).toBe(await allocated(ext));
      expect(ext.potLayers.length).toBeGreaterThan(0);
      expect(ext.potLayers.length).toBeLessThan(5);
    }
    // a number means bytes with budgetOf 'runtime'
    const n = await dq.quantize(cal, { budget: budget, budgetOf: 'runtime', metric: 'error' });
    expect((await dq.inspect(n)).totals.residentBytes).toBeLessThanOrEqual(budget);
  });

  it('the knapsack is exact: no assignment of tiers under the budget costs less (brute force)', async () => {
    const budget = Math.floor(r8 - (r8 - rAll) / 3);
    const ext = await dq.quantize(cal, { budget: `${budget}B`, budgetOf: 'runtime', metric: 'error' });
    const names = cal.layers.map((l) => l.name);
    const sqnr = new Map(cal.layers.map((l) => [l.name, l.sqnrDb]));
    // with one tier per layer (the rule default here) every subset is an assignment; error cost grows as SQNR falls
    expect(new Set(cal.layers.map((l) => l.bitsSaved / l.weights)).size).toBe(1);
    let bestCost = Infinity;
    for (let mask = 0; mask < 1 << names.length; mask++) {
      const pot = names.filter((_, i) => mask & (1 << i));
      const m = await dq.quantize(cal, { pot });
      if ((await dq.inspect(m)).totals.residentBytes! > budget) continue;
      bestCost = Math.min(bestCost, pot.reduce((s, p) => s + 10 ** (-sqnr.get(p)! / 10), 0));
    }
    expect(ext.potLayers.length).toBeGreaterThan(0);
    expect(bestCost).toBeGreaterThan(0);
    const got = ext.potLayers.reduce((s, p) => s + 10 ** (-sqnr.get(p)! / 10), 0);
    expect(got).toBeLessThanOrEqual(bestCost * (1 + 1e-12));
  });

  it('a budget at or above the 8-bit footprint keeps every layer 8-bit; one below the least footprint is refused', async () => {
    expect((await dq.quantize(cal, { budget: `${r8}B`, budgetOf: 'runtime', metric: 'error' })).potLayers).toEqual([]);
    await expect(dq.quantize(cal, { budget: `${rAll - 1}B`, budgetOf: 'runtime', metric: 'error' })).rejects.toThrow(
      new RegExp(`--budget ${rAll - 1}B of runtime memory is impossible: the executor needs at least ${rAll} bytes`));
    await expect(dq.quantize(cal, { budget: '20%', budgetOf: 'runtime' })).rejects.toThrow(/runtime takes a size in bytes/);
    await expect(dq.quantize(cal, { budget: '20%', budgetOf: 'ram' as 'runtime' })).rejects.toThrow(/budgetOf must be 'kernel' or 'runtime'/);
    await expect(dq.quantize(cal, { budgetOf: 'runtime' })).rejects.toThrow(/budgetOf goes with budget/);
  });

  it('the frontier over runtime budgets: every point within its budget, as measured', async () => {
    const f = await dq.frontier(cal, digits.test.batches(100), { metrics: ['error'], step: 2, budgetOf: 'runtime', limit: 200 });
    expect(f.budgetOf).toBe('runtime');
    expect(f.int8.runtimeBytes).toBe(r8);
    const pts = f.curves[0]!.points;
    expect(pts.length).toBeGreaterThan(1);
    for (const p of pts) expect(p.runtimeBytes).toBeLessThanOrEqual(Math.floor(r8 * (1 - p.budgetPct / 100)));
    expect(pts.at(-1)!.runtimeBytes).toBe(rAll);
  });
});
