// The DoubleQExt memory-accuracy frontier: for each metric, sweep the memory budget, select
// the layers, and evaluate every distinct configuration for real on the evaluator's images.

import { countCorrect } from '../eval/evaluate.js';
import type { Evaluator } from '../parallel/eval-pool.js';
import { assignedModel, type ExtModel } from './doubleqext.js';
import type { MetricName } from './layer-metrics.js';
import { runtimeMeasure, runtimeTotal } from './runtime-budget.js';
import { type BudgetOf, maxSavingPct, type Search, selectForMemory } from './select-layers.js';

export interface FrontierPoint {
  /** percent of the 8-bit model saved, in what the sweep counts (FrontierResult.budgetOf) */
  budgetPct: number;
  savingVsInt8Pct: number;
  kernelWeightBytes: number;
  /** wasm memory of the executor at batch 1 (compact weights) */
  runtimeBytes: number;
  layers: string[];
  /** code width of each power-of-two layer */
  bits: Record<string, number>;
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
  /** the level-two method and code widths, when curves of several are shown together */
  method?: string;
  points: FrontierPoint[];
}

/** A curve's name in tables and plots. */
export function curveName(c: FrontierCurve): string {
  return `${c.method ? `${c.method}: ` : ''}${c.metric} (${c.search})`;
}

export interface FrontierResult {
  /** what the budgets count: kernel-weight bits, or the executor's runtime bytes */
  budgetOf: BudgetOf;
  int8: { correct: number; total: number; top1: number; runtimeBytes: number };
  curves: FrontierCurve[];
  evaluations: number;
  seconds: number;
}

/** Layers (each at its first tier) or an assignment layer -> code width. */
export type LayerChoice = readonly string[] | Readonly<Record<string, number>>;

/** Evaluates assignments on the evaluator's images, each distinct one once. */
export class SetEvaluator {
  private readonly cache = new Map<string, number>();
  constructor(private readonly ext: ExtModel, private readonly ev: Evaluator) {}

  /** The assignment a choice means. */
  bitsOf(c: LayerChoice): Record<string, number> {
    if (!Array.isArray(c)) return c as Record<string, number>;
    const first = this.ext.layers.map((l) => [l.name, (l.tiers?.[0] ?? l).codeBits] as const);
    return Object.fromEntries(first.filter(([n]) => (c as readonly string[]).includes(n)));
  }

  static key(bits: Readonly<Record<string, number>>): string {
    return Object.entries(bits).map(([n, b]) => `${n}:${b}`).sort().join('\n');
  }

  /** Records a count measured elsewhere on the same images (e.g. the 8-bit model's), so it is not evaluated again. */
  known(choice: LayerChoice, correct: number): void {
    this.cache.set(SetEvaluator.key(this.bitsOf(choice)), correct);
  }

  get evaluations(): number {
    return this.cache.size;
  }

  async correct(choice: LayerChoice): Promise<number> {
    const bits = this.bitsOf(choice), k = SetEvaluator.key(bits);
    if (!this.cache.has(k)) {
      const classes = this.ext.q8.outputs[0]!.shape.reduce((p, d) => p * d, 1);
      this.cache.set(k, countCorrect(await this.ev.logits(assignedModel(this.ext, bits)), this.ev.set.labels, classes));
    }
    return this.cache.get(k)!;
  }
}

export async function computeFrontier(ext: ExtModel, sets: SetEvaluator, total: number, metrics: readonly MetricName[], search: Search, step: number,
  onProgress?: (done: number, total: number) => void, of: BudgetOf = 'kernel'): Promise<FrontierResult> {
  const t0 = performance.now();
  const rt = runtimeMeasure(ext.q8, ext.layers, Number.MAX_SAFE_INTEGER);
  const max = of === 'runtime' ? (100 * (rt.int8Total - rt.leastTotal)) / rt.int8Total : maxSavingPct(ext.layers);
  const budgets: number[] = [];
  for (let b = 0; b < max - 1e-9; b += step) budgets.push(Math.round(b * 1000) / 1000);
  budgets.push(max);
  const select = (metric: MetricName, b: number) => of === 'runtime'
    ? selectForMemory(ext.layers, metric, { kind: 'runtime', bytes: Math.floor(rt.int8Total * (1 - b / 100)) }, search, { ...rt, need: rt.int8Total - Math.floor(rt.int8Total * (1 - b / 100)) })
    : selectForMemory(ext.layers, metric, { kind: 'saving', pct: b }, search);
  const plans = metrics.map((metric) => ({ metric, picks: budgets.map((b) => ({ b, s: select(metric, b) })) }));
  const distinct = new Map(plans.flatMap((p) => p.picks.map((x) => [SetEvaluator.key(x.s.bits), x.s.bits] as const)));
  let i = 0;
  for (const bits of distinct.values()) {
    await sets.correct(bits);
    onProgress?.(++i, distinct.size);
  }
  const base = await sets.correct({});
  const pct = (c: number) => (100 * c) / total;
  const curves = await Promise.all(plans.map(async ({ metric, picks }) => {
    const seen = new Set<string>();
    const points: FrontierPoint[] = [];
    for (const { b, s } of picks) {
      const k = SetEvaluator.key(s.bits);
      if (seen.has(k)) continue; // the previous selection already met this budget
      seen.add(k);
      const c = await sets.correct(s.bits);
      points.push({ budgetPct: b, savingVsInt8Pct: s.savingVsInt8Pct, kernelWeightBytes: s.kernelWeightBytes, runtimeBytes: runtimeTotal(assignedModel(ext, s.bits)), layers: s.layers, bits: s.bits, correct: c, total,
        top1: pct(c), dropVsInt8Points: pct(base) - pct(c), aboveLessAggressive: points.some((p) => p.savingVsInt8Pct < s.savingVsInt8Pct && p.correct < c) });
    }
    return { metric, search, points };
  }));
  return { budgetOf: of, int8: { correct: base, total, top1: pct(base), runtimeBytes: rt.int8Total }, curves, evaluations: distinct.size, seconds: (performance.now() - t0) / 1000 };
}
