// The measured memory-accuracy frontier through the library (src/quant/frontier.ts): every
// distinct DoubleQExt selection over a sweep of budgets, evaluated for real on labelled images.

import { DataError } from '../data/dataset.js';
import { computeFrontier, SetEvaluator, type FrontierResult } from '../quant/frontier.js';
import { DEFAULT_METRIC, METRICS, type MetricName } from '../quant/layer-metrics.js';
import { BUDGET_OF, type BudgetOf, type Search } from '../quant/select-layers.js';
import { collect, type ImageSource } from './data.js';
import { reporter, type CallOptions } from './progress.js';
import { ensureSensitivity, localEvaluator, state, type Calibration } from './quantize.js';

export type { FrontierResult, FrontierCurve, FrontierPoint } from '../quant/frontier.js';

export interface FrontierOptions extends CallOptions {
  /** one curve per metric (default [DEFAULT_METRIC], 'sensitivity') */
  metrics?: readonly MetricName[];
  search?: Search;
  /** budget step, percent of the 8-bit kernel weights (default 2.5) */
  step?: number;
  /** what the budgets count: 'kernel' (default: kernel-weight bits) or 'runtime' (the executor's wasm memory at batch 1) */
  budgetOf?: BudgetOf;
  /** evaluation images read from the source (default all) */
  limit?: number;
}

export async function frontier(c: Calibration, data: ImageSource, o: FrontierOptions = {}): Promise<FrontierResult> {
  const s = state(c);
  const metrics = o.metrics ?? [DEFAULT_METRIC];
  for (const m of metrics) if (!METRICS.includes(m)) throw new DataError(`frontier: unknown metric '${m}' (${METRICS.join(', ')})`);
  const step = o.step ?? 2.5;
  if (!(step > 0)) throw new DataError(`frontier: step must be a positive percentage, got ${o.step}`);
  if (!BUDGET_OF.includes(o.budgetOf ?? 'kernel')) throw new DataError(`frontier: budgetOf must be 'kernel' or 'runtime', got '${String(o.budgetOf)}'`);
  const set = await collect(data, c.model.inputShape, o.limit ?? Infinity, { ...o, stage: 'read' });
  if (!set.labels) throw new DataError('frontier: the evaluation images need labels');
  if (metrics.includes('sensitivity')) await ensureSensitivity(c, o);
  const sets = new SetEvaluator(s.ext, localEvaluator(set, set.labels));
  return computeFrontier(s.ext, sets, set.count, metrics, o.search ?? 'knapsack', step, (d, t) => reporter(o)('frontier', d, t), o.budgetOf ?? 'kernel');
}
