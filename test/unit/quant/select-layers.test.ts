import { describe, expect, it } from 'vitest';
import type { LayerInfo } from '../../../src/quant/layer-metrics.js';
import { compareLogits } from '../../../src/quant/layer-metrics.js';
import { describe as describeSel, greedyOrder, maxSavingPct, parseBudget, parseMaxDrop, selectForDrop, selectForMemory } from '../../../src/quant/select-layers.js';
import { mulberry32 } from '../../helpers/rng.js';

function layer(name: string, weights: number, kl: number, nsr = kl, entropy = 7): LayerInfo {
  return { name, op: 'conv', weights, codeBits: 5, bitsSaved: 3 * weights, sqnrDb: -10 * Math.log10(nsr), nsr, entropyBits: entropy, sensitivity: { kl, agreementPct: 100, top1DropPoints: 0 } };
}

describe('layer selection', () => {
  const layers = [layer('a', 100, 1), layer('b', 200, 0.5), layer('c', 300, 3), layer('d', 400, 0.4)];

  it('greedy: cost per bit saved, shortest prefix meeting the target', () => {
    expect(greedyOrder(layers, 'sensitivity').map((l) => l.name)).toEqual(['d', 'b', 'c', 'a']); // a and c tie: the larger saving first
    const s = selectForMemory(layers, 'sensitivity', { kind: 'saving', pct: 20 }, 'greedy');
    expect(s.layers).toEqual(['b', 'd']); // (model order) d alone saves 3*400 / (8*1000) = 15 % < 20; with b 22.5 %
    expect(s.savingVsInt8Pct).toBeCloseTo(22.5, 10);
  });

  it('knapsack is optimal: matches brute force on random instances', () => {
    const rng = mulberry32(77);
    for (let t = 0; t < 60; t++) {
      const ls = Array.from({ length: 2 + Math.floor(rng() * 8) }, (_, i) => layer(`l${i}`, 16 * (1 + Math.floor(rng() * 50)), rng()));
      const max = maxSavingPct(ls);
      const pct = rng() * max;
      const s = selectForMemory(ls, 'sensitivity', { kind: 'saving', pct }, 'knapsack');
      const need = Math.ceil((pct / 100) * ls.reduce((a, l) => a + 8 * l.weights, 0) - 1e-6);
      let best = Infinity;
      for (let mask = 0; mask < 1 << ls.length; mask++) {
        let saved = 0, cost = 0;
        ls.forEach((l, i) => { if (mask & (1 << i)) { saved += l.bitsSaved; cost += l.sensitivity!.kl; } });
        if (saved >= need) best = Math.min(best, cost);
      }
      const got = ls.filter((l) => s.layers.includes(l.name));
      expect(got.reduce((a, l) => a + l.bitsSaved, 0)).toBeGreaterThanOrEqual(need);
      expect(got.reduce((a, l) => a + l.sensitivity!.kl, 0)).toBeCloseTo(best, 9);
    }
  });

  it('greedy meets the target too, never below it', () => {
    for (const pct of [0, 1, 14.9, 15, 15.1, 30, 37.5]) {
      const s = selectForMemory(layers, 'error', { kind: 'saving', pct }, 'greedy');
      expect(s.savingVsInt8Pct).toBeGreaterThanOrEqual(pct - 1e-9);
    }
    const bytes = selectForMemory(layers, 'sensitivity', { kind: 'bytes', bytes: 800 }, 'knapsack');
    expect(bytes.kernelWeightBytes).toBeLessThanOrEqual(800);
  });

  it('parses budgets and rejects impossible or nonsense ones', () => {
    expect(parseBudget('23.05%', layers)).toEqual({ kind: 'saving', pct: 23.05 });
    expect(parseBudget('700B', layers)).toEqual({ kind: 'bytes', bytes: 700 });
    expect(() => parseBudget('40%', layers)).toThrow('--budget 40% is impossible: power-of-two weights on every layer save at most 37.50 % of the 8-bit kernel weights');
    expect(() => parseBudget('-5%', layers)).toThrow(/--budget must be a percentage/);
    expect(() => parseBudget('lots', layers)).toThrow(/--budget must be a percentage saved vs 8-bit/);
    expect(() => parseBudget('100B', layers)).toThrow(/need at least 625 bytes with every layer power-of-two/);
    expect(() => parseMaxDrop('-1')).toThrow(/--max-drop must be a non-negative number/);
    expect(() => parseMaxDrop('x')).toThrow(/--max-drop/);
  });

  it('max-drop: greedy with re-measurement keeps layers while the measured drop stays within the target', async () => {
    // a synthetic measurement: drop = sum of the chosen layers' kl
    const measure = async (names: string[]) => names.reduce((s, n) => s + layers.find((l) => l.name === n)!.sensitivity!.kl, 0);
    const s = await selectForDrop(layers, 'sensitivity', 1.0, measure);
    expect(s.layers.sort()).toEqual(['b', 'd']);
    expect(s.measuredDrop).toBeCloseTo(0.9, 10);
    expect(describeSel(layers, []).savingVsInt8Pct).toBe(0);
  });

  it('compareLogits: KL 0 and full agreement for identical logits; top-1 change from labels', () => {
    const a = Float32Array.from([1, 2, 3, 3, 2, 1]);
    expect(compareLogits(a, a, Uint8Array.from([2, 0]), 3)).toEqual({ kl: 0, agreementPct: 100, top1DropPoints: 0 });
    const b = Float32Array.from([3, 2, 1, 3, 2, 1]);
    const r = compareLogits(a, b, Uint8Array.from([2, 0]), 3);
    expect(r.agreementPct).toBe(50);
    expect(r.top1DropPoints).toBe(50);
    expect(r.kl).toBeGreaterThan(0);
  });
});

describe('nearest achievable saving', () => {
  it('finds the subset saving nearest the paper\'s 23.05 % (brute force check)', async () => {
    const { nearestAchievableSaving } = await import('../../../src/quant/select-layers.js');
    const ls = [layer('a', 432, 1), layer('b', 2304, 1), layer('c', 4608, 1), layer('d', 36864, 1), layer('e', 640, 1), layer('f', 9216, 1)];
    const total = ls.reduce((s, l) => s + 8 * l.weights, 0);
    let best = 0;
    for (let mask = 0; mask < 1 << ls.length; mask++) {
      const saved = ls.reduce((s, l, i) => s + (mask & (1 << i) ? l.bitsSaved : 0), 0);
      const p = (100 * saved) / total;
      if (Math.abs(p - 23.05) < Math.abs(best - 23.05) || (Math.abs(p - 23.05) === Math.abs(best - 23.05) && p > best)) best = p;
    }
    expect(nearestAchievableSaving(ls, 23.05)).toBeCloseTo(best, 10);
  });
});
