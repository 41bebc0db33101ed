// The DoubleQExt memory-accuracy frontier: for each metric, sweep the memory budget, select
// the layers, and evaluate every distinct configuration for real on the evaluator's images.

import { countCorrect } from '../eval/evaluate.js';
import type { Evaluator } from '../parallel/eval-pool.js';
import type { ExtModel } from './doubleqext.js';
import { mixLayers, type MetricName } from './layer-metrics.js';
import { maxSavingPct, type Search, selectForMemory } from './select-layers.js';

export interface FrontierPoint {
  budgetPct: number;
  savingVsInt8Pct: number;
  kernelWeightBytes: number;
  layers: string[];
  correct: number;
  total: number;
  top1: number;
  dropVsInt8Points: number;
  /** true when this point scores higher than a less aggressive point of the same curve (measured so) */
  aboveLessAggressive: boolean;
}

export interface FrontierCurve {
  metric: MetricName;
  search: Search;
  points: FrontierPoint[];
}

export interface FrontierResult {
  int8: { correct: number; total: number; top1: number };
  curves: FrontierCurve[];
  evaluations: number;
  seconds: number;
}

/** Evaluates layer sets on the evaluator's images, each distinct set once. */
export class SetEvaluator {
  private readonly cache = new Map<string, number>();
  constructor(private readonly ext: ExtModel, private readonly ev: Evaluator) {}

  static key(layers: readonly string[]): string {
    return [...layers].sort().join('\n');
  }

  get evaluations(): number {
    return this.cache.size;
  }

  async correct(layers: readonly string[]): Promise<number> {
    const k = SetEvaluator.key(layers);
    if (!this.cache.has(k)) {
      const classes = this.ext.q8.outputs[0]!.shape.reduce((p, d) => p * d, 1);
      this.cache.set(k, countCorrect(await this.ev.logits(mixLayers(this.ext.q8, this.ext.qpot, new Set(layers))), this.ev.set.labels, classes));
    }
    return this.cache.get(k)!;
  }
}

export async function computeFrontier(ext: ExtModel, sets: SetEvaluator, total: number, metrics: readonly MetricName[], search: Search, step: number,
  onProgress?: (done: number, total: number) => void): Promise<FrontierResult> {
  const t0 = performance.now();
  const max = maxSavingPct(ext.layers);
  const budgets: number[] = [];
  for (let b = 0; b < max - 1e-9; b += step) budgets.push(Math.round(b * 1000) / 1000);
  budgets.push(max);
  const plans = metrics.map((metric) => ({ metric, picks: budgets.map((b) => ({ b, s: selectForMemory(ext.layers, metric, { kind: 'saving', pct: b }, search) })) }));
  const distinct = [...new Set(plans.flatMap((p) => p.picks.map((x) => SetEvaluator.key(x.s.layers))))];
  for (const [i, k] of distinct.entries()) {
    await sets.correct(k ? k.split('\n') : []);
    onProgress?.(i + 1, distinct.length);
  }
  const base = await sets.correct([]);
  const pct = (c: number) => (100 * c) / total;
  const curves = await Promise.all(plans.map(async ({ metric, picks }) => {
    const seen = new Set<string>();
    const points: FrontierPoint[] = [];
    for (const { b, s } of picks) {
      const k = SetEvaluator.key(s.layers);
      if (seen.has(k)) continue; // the previous selection already met this budget
      seen.add(k);
      const c = await sets.correct(s.layers);
      points.push({ budgetPct: b, savingVsInt8Pct: s.savingVsInt8Pct, kernelWeightBytes: s.kernelWeightBytes, layers: s.layers, correct: c, total,
        top1: pct(c), dropVsInt8Points: pct(base) - pct(c), aboveLessAggressive: points.some((p) => p.savingVsInt8Pct < s.savingVsInt8Pct && p.correct < c) });
    }
    return { metric, search, points };
  }));
  return { int8: { correct: base, total, top1: pct(base) }, curves, evaluations: distinct.length, seconds: (performance.now() - t0) / 1000 };
}
