import { describe, expect, it } from 'vitest';
import type { LayerInfo, TierInfo } from '../../../src/quant/layer-metrics.js';
import { compareLogits } from '../../../src/quant/layer-metrics.js';
import { describe as describeSel, greedyOrder, knapsack, maxSavingPct, nearestAchievableSaving, parseBudget, parseMaxDrop, selectForDrop, selectForMemory } from '../../../src/quant/select-layers.js';
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
    const measure = async (a: ReadonlyMap<string, number>) => [...a.keys()].reduce((s, n) => s + layers.find((l) => l.name === n)!.sensitivity!.kl, 0);
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

/** A layer with a 5-bit and a 4-bit tier. */
function tiered(name: string, weights: number, kl5: number, kl4: number): LayerInfo {
  const t = (bits: number, kl: number): TierInfo => ({ codeBits: bits, bitsSaved: (8 - bits) * weights, sqnrDb: 0, nsr: kl, sensitivity: { kl, agreementPct: 100, top1DropPoints: 0 } });
  const tiers = [t(5, kl5), t(4, kl4)];
  return { name, op: 'conv', weights, entropyBits: 7, ...tiers[0]!, tiers };
}

describe('mixed code widths: multiple-choice selection', () => {
  it('the multiple-choice knapsack matches brute force over every assignment (int8 / 5-bit / 4-bit)', () => {
    const rng = mulberry32(1234);
    for (let t = 0; t < 80; t++) {
      const ls = Array.from({ length: 1 + Math.floor(rng() * 6) }, (_, i) => {
        const kl5 = rng();
        return tiered(`l${i}`, 16 * (1 + Math.floor(rng() * 40)), kl5, kl5 + rng() * (rng() < 0.2 ? 0.01 : 2));
      });
      const pct = rng() * maxSavingPct(ls);
      const total = ls.reduce((a, l) => a + 8 * l.weights, 0);
      const need = Math.ceil((pct / 100) * total - 1e-6);
      let best = Infinity;
      for (let code = 0; code < 3 ** ls.length; code++) {
        let saved = 0, cost = 0, c = code;
        for (const l of ls) {
          const k = c % 3;
          c = Math.floor(c / 3);
          if (k > 0) { saved += l.tiers![k - 1]!.bitsSaved; cost += l.tiers![k - 1]!.sensitivity!.kl; }
        }
        if (saved >= need) best = Math.min(best, cost);
      }
      const s = selectForMemory(ls, 'sensitivity', { kind: 'saving', pct }, 'knapsack');
      expect(s.savedBits).toBeGreaterThanOrEqual(need);
      const cost = ls.reduce((a, l) => a + (s.bits[l.name] ? l.tiers!.find((x) => x.codeBits === s.bits[l.name])!.sensitivity!.kl : 0), 0);
      expect(cost).toBeCloseTo(best, 9);
      const g = selectForMemory(ls, 'sensitivity', { kind: 'saving', pct }, 'greedy');
      expect(g.savedBits).toBeGreaterThanOrEqual(need);
    }
  });

  it('the frontier reaches 50 %: every layer at 4 bits; 4-bit layers where they are cheap', () => {
    const ls = [tiered('a', 100, 0.1, 0.11), tiered('b', 100, 0.1, 5)];
    expect(maxSavingPct(ls)).toBe(50);
    const all = selectForMemory(ls, 'sensitivity', { kind: 'saving', pct: 50 }, 'knapsack');
    expect(all.bits).toEqual({ a: 4, b: 4 });
    const mid = selectForMemory(ls, 'sensitivity', { kind: 'saving', pct: 40 }, 'knapsack'); // 4+3 bits of 16: a at 4, b at 5
    expect(mid.bits).toEqual({ a: 4, b: 5 });
    expect(mid.savingVsInt8Pct).toBeCloseTo(43.75, 10);
    expect(selectForMemory(ls, 'sensitivity', { kind: 'saving', pct: 40 }, 'greedy').bits).toEqual({ a: 4, b: 5 });
    expect(() => parseBudget('50.1%', ls)).toThrow(/at most 50.00 %/);
    expect(nearestAchievableSaving(ls, 20)).toBeCloseTo(18.75, 10); // 3/16 (one layer at 5 bits)
    expect(nearestAchievableSaving(ls, 23)).toBeCloseTo(25, 10); // 4/16
  });

  it('knapsack on raw options: one option per layer, the least cost meeting the need', () => {
    const opts = [[{ saved: 0, cost: 0 }, { saved: 3, cost: 1 }, { saved: 4, cost: 3 }], [{ saved: 0, cost: 0 }, { saved: 6, cost: 2.5 }, { saved: 8, cost: 2.6 }]];
    expect(knapsack(opts, 7)).toEqual([0, 2]);
    expect(knapsack(opts, 9)).toEqual([1, 1]);
    expect(knapsack(opts, 12)).toEqual([2, 2]);
    expect(() => knapsack(opts, 13)).toThrow(/no set of layers meets the memory target/);
  });

  it('max-drop walks the moves (5-bit, then 4-bit) and keeps each that stays within the target', async () => {
    const ls = [tiered('a', 100, 0.1, 0.2), tiered('b', 100, 0.3, 2)];
    const measure = async (a: ReadonlyMap<string, number>) => [...a].reduce((s, [n, b]) => s + ls.find((l) => l.name === n)!.tiers!.find((t) => t.codeBits === b)!.sensitivity!.kl, 0);
    const s = await selectForDrop(ls, 'sensitivity', 0.6, measure);
    expect(s.bits).toEqual({ a: 4, b: 5 });
    expect(s.measuredDrop).toBeCloseTo(0.5, 10);
  });
});

