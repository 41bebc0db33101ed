// DoubleQExt selection: which layers get power-of-two weights, and at which code width, under a
// target. Each layer has options: int8 (saves nothing, costs nothing) or one of its power-of-two
// tiers (e.g. 5-bit and 4-bit codes; LayerInfo.tiers), each with the bits it saves and a metric cost.
//
// Targets:
//   saving    at least P % of the 8-bit kernel-weight memory saved (P <= the most any choice saves)
//   bytes     kernel weights fit in at most B bytes
//   runtime   the executor's wasm memory at batch 1 fits in at most B bytes (the knapsack runs on
//             resident bytes per tier instead of bits: a Measure, src/quant/runtime-budget.ts)
//   max-drop  top-1 on the calibration images drops at most D points against the 8-bit model
// Searches (memory targets):
//   greedy    moves (a layer to a more saving tier) in ascending order of extra cost per extra
//             bit saved, re-ranked after each move; take moves until the target is met
//   knapsack  exact multiple-choice knapsack: one option per layer, the assignment of least total
//             cost (costs assumed additive) whose saving meets the target, by dynamic programming
//             over saved bits (in units of the gcd of all savings; coarsened to at most 2^18 units
//             on huge models). With one tier per layer it is the 0/1 knapsack.
// For max-drop, greedy with re-measurement: walk the moves in greedy order and keep each whose
// addition keeps the measured drop within D (one real evaluation per move).

import { type LayerInfo, metricCost, type MetricName, tierCost, tiersOf } from './layer-metrics.js';
import { QuantizationError } from '../core/errors.js';

export type Target = { kind: 'saving'; pct: number } | { kind: 'bytes'; bytes: number } | { kind: 'runtime'; bytes: number } | { kind: 'max-drop'; points: number };
/** What a budget counts: kernel-weight bits (the paper's convention) or the executor's resident bytes. */
export const BUDGET_OF = ['kernel', 'runtime'] as const;
export type BudgetOf = (typeof BUDGET_OF)[number];

/** A memory target in units other than kernel-weight bits: what each layer's tier saves, and how much must be saved. */
export interface Measure {
  saved(l: LayerInfo, codeBits: number): number;
  need: number;
}
export const SEARCHES = ['greedy', 'knapsack'] as const;
export type Search = (typeof SEARCHES)[number];

export interface Selection {
  /** the power-of-two layers, in model order */
  layers: string[];
  /** their code widths */
  bits: Record<string, number>;
  savedBits: number;
  savingVsInt8Pct: number;
  kernelWeightBytes: number;
}

/** Layer name -> code width of the chosen tier (layers not named stay int8). */
export type Assignment = ReadonlyMap<string, number>;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function int8Bits(layers: readonly LayerInfo[]): number {
  return layers.reduce((s, l) => s + 8 * l.weights, 0);
}

/** The most bits a layer can save (its most saving tier). */
function maxSaved(l: LayerInfo): number {
  return Math.max(...tiersOf(l).map((t) => t.bitsSaved));
}

export function maxSavingPct(layers: readonly LayerInfo[]): number {
  return (100 * layers.reduce((s, l) => s + maxSaved(l), 0)) / int8Bits(layers);
}

/** Parses --budget: "23.05%" (saved vs 8-bit) or "150000B" / "150000" (kernel-weight bytes; with `of` 'runtime' resident bytes). */
export function parseBudget(text: string, layers: readonly LayerInfo[], of: BudgetOf = 'kernel'): Target {
  const t = text.trim();
  if (of === 'runtime') {
    const b = /^([0-9]+)\s*B?$/.exec(t);
    if (!b) throw new QuantizationError(`--budget-of runtime takes a size in bytes of wasm memory (e.g. 150000B), got '${text}'`);
    return { kind: 'runtime', bytes: Number(b[1]) }; // bounds: src/quant/runtime-budget.ts
  }
  const pct = /^([0-9]*\.?[0-9]+)\s*%$/.exec(t);
  const max = maxSavingPct(layers);
  if (pct) {
    const p = Number(pct[1]);
    if (p > max + 1e-9) throw new QuantizationError(`--budget ${t} is impossible: power-of-two weights on every layer save at most ${max.toFixed(2)} % of the 8-bit kernel weights`);
    return { kind: 'saving', pct: p };
  }
  const bytes = /^([0-9]+)\s*B?$/.exec(t);
  if (bytes) {
    const b = Number(bytes[1]);
    const all = int8Bits(layers) / 8, least = (int8Bits(layers) - layers.reduce((s, l) => s + maxSaved(l), 0)) / 8;
    if (b < least) throw new QuantizationError(`--budget ${t} is impossible: the kernel weights need at least ${Math.ceil(least)} bytes with every layer power-of-two (${all} bytes at 8 bits)`);
    return { kind: 'bytes', bytes: b };
  }
  throw new QuantizationError(`--budget must be a percentage saved vs 8-bit (e.g. 23.05%) or a kernel-weight size in bytes (e.g. 180000B), got '${text}'`);
}

export function parseMaxDrop(text: string): Target {
  if (!/^[0-9]*\.?[0-9]+$/.test(text.trim())) throw new QuantizationError(`--max-drop must be a non-negative number of top-1 points, got '${text}'`);
  return { kind: 'max-drop', points: Number(text) };
}

function neededBits(t: Target, layers: readonly LayerInfo[]): number {
  const total = int8Bits(layers);
  if (t.kind === 'saving') return Math.ceil((t.pct / 100) * total - 1e-6);
  if (t.kind === 'bytes') return Math.max(0, total - 8 * t.bytes);
  throw new Error('max-drop is not a memory target');
}

/** A Selection from an assignment, or from a list of names (each at its first tier). */
export function describe(layers: readonly LayerInfo[], chosen: Assignment | readonly string[]): Selection {
  const a: Assignment = Array.isArray(chosen) ? new Map(chosen.map((n) => [n, tiersOf(layers.find((l) => l.name === n)!)[0]!.codeBits])) : (chosen as Assignment);
  let saved = 0;
  const names: string[] = [], bits: Record<string, number> = {};
  for (const l of layers) {
    const b = a.get(l.name);
    if (b === undefined) continue;
    const t = tiersOf(l).find((x) => x.codeBits === b);
    if (!t) throw new QuantizationError(`layer '${l.name}' has no ${b}-bit tier`);
    saved += t.bitsSaved;
    names.push(l.name);
    bits[l.name] = b;
  }
  const total = int8Bits(layers);
  return { layers: names, bits, savedBits: saved, savingVsInt8Pct: (100 * saved) / total, kernelWeightBytes: (total - saved) / 8 };
}

/** Per layer, its options: int8 first, then its tiers. */
function options(layers: readonly LayerInfo[], metric: MetricName, m?: Measure): { bits: number; saved: number; cost: number }[][] {
  return layers.map((l) => [{ bits: 8, saved: 0, cost: 0 }, ...tiersOf(l).map((t) => ({ bits: t.codeBits, saved: m ? m.saved(l, t.codeBits) : t.bitsSaved, cost: tierCost(l, t, metric) }))]);
}

/** The achievable saving (percent of 8-bit, some choice of options) nearest to `pct`; ties go to the larger. */
export function nearestAchievableSaving(layers: readonly LayerInfo[], pct: number): number {
  const total = int8Bits(layers);
  const opts = layers.map((l) => tiersOf(l).map((t) => t.bitsSaved));
  const unit = opts.flat().reduce((g, x) => gcd(g, x), 0) || 1;
  const max = layers.reduce((s, l) => s + maxSaved(l), 0) / unit;
  if (max > 2 ** 22) throw new QuantizationError('too many distinct savings to enumerate');
  let reach = new Uint8Array(max + 1);
  reach[0] = 1;
  for (const o of opts) {
    const next = reach.slice();
    for (const saved of o) for (let u = saved / unit; u <= max; u++) if (reach[u - saved / unit]) next[u] = 1;
    reach = next;
  }
  const want = ((pct / 100) * total) / unit;
  let best = 0;
  for (let u = 0; u <= max; u++) if (reach[u] && Math.abs(u - want) <= Math.abs(best - want)) best = u;
  return (100 * best * unit) / total;
}

/** Layers in ascending cost per bit saved at their first tier (ties: larger saving first, then name). */
export function greedyOrder(layers: readonly LayerInfo[], metric: MetricName): LayerInfo[] {
  return [...layers].sort((a, b) => metricCost(a, metric) / a.bitsSaved - metricCost(b, metric) / b.bitsSaved || b.bitsSaved - a.bitsSaved || (a.name < b.name ? -1 : 1));
}

interface Move { layer: number; option: number; dCost: number; dSaved: number }

/** The next greedy move from the current options: least extra cost per extra bit (ties: larger saving, then model order). */
function nextMove(opts: ReturnType<typeof options>, cur: number[], skip?: ReadonlySet<string>): Move | undefined {
  let best: Move | undefined;
  opts.forEach((o, i) => {
    for (let k = 0; k < o.length; k++) {
      const dSaved = o[k]!.saved - o[cur[i]!]!.saved;
      if (dSaved <= 0 || skip?.has(`${i}:${k}`)) continue;
      const m = { layer: i, option: k, dCost: o[k]!.cost - o[cur[i]!]!.cost, dSaved };
      if (!best || m.dCost / m.dSaved < best.dCost / best.dSaved - 1e-15 || (Math.abs(m.dCost / m.dSaved - best.dCost / best.dSaved) <= 1e-15 && m.dSaved > best.dSaved)) best = m;
    }
  });
  return best;
}

const assignmentOf = (layers: readonly LayerInfo[], opts: ReturnType<typeof options>, cur: readonly number[]): Map<string, number> =>
  new Map(layers.flatMap((l, i) => (cur[i]! > 0 ? [[l.name, opts[i]![cur[i]!]!.bits] as const] : [])));

/** `measure`: required for a runtime target (its units replace kernel-weight bits). */
export function selectForMemory(layers: readonly LayerInfo[], metric: MetricName, target: Target, search: Search, measure?: Measure): Selection {
  if (target.kind === 'runtime' && !measure) throw new Error('a runtime target needs a Measure');
  const need = measure ? measure.need : neededBits(target, layers);
  if (need <= 0) return describe(layers, new Map());
  const opts = options(layers, metric, measure);
  if (search === 'greedy') {
    const cur = layers.map(() => 0);
    let saved = 0;
    while (saved < need) {
      const m = nextMove(opts, cur);
      if (!m) throw new QuantizationError('no set of layers meets the memory target');
      cur[m.layer] = m.option;
      saved += m.dSaved;
    }
    return describe(layers, assignmentOf(layers, opts, cur));
  }
  return describe(layers, assignmentOf(layers, opts, knapsack(opts, need)));
}

/** Multiple-choice knapsack: one option per layer, least total cost with sum(saved) >= need. */
export function knapsack(opts: readonly { saved: number; cost: number }[][], need: number): number[] {
  let unit = opts.flat().reduce((g, o) => gcd(g, o.saved), 0) || 1;
  const total = opts.reduce((s, o) => s + Math.max(...o.map((x) => x.saved)), 0);
  if (total / unit > 2 ** 18) unit = Math.ceil(total / 2 ** 18); // coarsen: sizes rounded down, need rounded up
  const cap = Math.ceil(need / unit);
  const size = opts.map((o) => o.map((x) => Math.floor(x.saved / unit)));
  if (size.reduce((a, s) => a + Math.max(...s), 0) < cap) throw new QuantizationError('no set of layers meets the memory target');
  // best[u]: least cost of options for the layers so far saving min(cap, units) = u; choice[i][u] the option of layer i
  let best = new Float64Array(cap + 1).fill(Infinity);
  best[0] = 0;
  const choice: Int8Array[] = [], from: Int32Array[] = [];
  opts.forEach((o, i) => {
    const next = new Float64Array(cap + 1).fill(Infinity), ch = new Int8Array(cap + 1).fill(-1), fr = new Int32Array(cap + 1).fill(-1);
    for (let u = 0; u <= cap; u++) {
      if (best[u] === Infinity) continue;
      for (let k = 0; k < o.length; k++) {
        const v = Math.min(cap, u + size[i]![k]!), c = best[u]! + o[k]!.cost;
        if (c < next[v]!) { next[v] = c; ch[v] = k; fr[v] = u; }
      }
    }
    choice.push(ch);
    from.push(fr);
    best = next;
  });
  if (best[cap] === Infinity) throw new QuantizationError('no set of layers meets the memory target');
  const pick = opts.map(() => 0);
  let u = cap;
  for (let i = opts.length - 1; i >= 0; i--) {
    pick[i] = choice[i]![u]!;
    u = from[i]![u]!;
  }
  return pick;
}

/** Greedy with re-measurement under an accuracy target. `measure` returns the top-1 drop (points) of an assignment. */
export async function selectForDrop(layers: readonly LayerInfo[], metric: MetricName, maxDrop: number, measure: (a: Assignment) => Promise<number>, onStep?: (i: number, n: number) => void): Promise<Selection & { measuredDrop: number }> {
  const opts = options(layers, metric);
  const cur = layers.map(() => 0), rejected = new Set<string>();
  const steps = opts.reduce((s, o) => s + o.length - 1, 0);
  let drop = 0, step = 0;
  for (let m = nextMove(opts, cur, rejected); m; m = nextMove(opts, cur, rejected)) {
    const trial = cur.slice();
    trial[m.layer] = m.option;
    const d = await measure(assignmentOf(layers, opts, trial));
    if (d <= maxDrop) {
      cur[m.layer] = m.option;
      drop = d;
    } else for (let k = m.option; k < opts[m.layer]!.length; k++) rejected.add(`${m.layer}:${k}`); // wider savings of this layer are out too
    onStep?.(Math.min(++step, steps), steps);
  }
  return { ...describe(layers, assignmentOf(layers, opts, cur)), measuredDrop: drop };
}
