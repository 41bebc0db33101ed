// DoubleQExt selection: which layers get power-of-two weights under a target.
//
// Targets:
//   saving    at least P % of the 8-bit kernel-weight memory saved (P <= the all-PoT saving)
//   bytes     kernel weights fit in at most B bytes
//   max-drop  top-1 on the calibration images drops at most D points against the 8-bit model
// Searches (memory targets):
//   greedy    layers in ascending order of cost per bit saved (metric cost / bits saved);
//             take the shortest prefix that meets the target
//   knapsack  exact 0/1 knapsack: the set of least total cost (costs assumed additive) whose
//             saving meets the target, by dynamic programming over saved bits (in units of the
//             gcd of the layers' savings; coarsened to at most 2^18 units on huge models)
// For max-drop, greedy with re-measurement: walk the greedy order and keep each layer whose
// addition keeps the measured drop within D (one real evaluation per layer).

import { type LayerInfo, metricCost, type MetricName } from './layer-metrics.js';
import { QuantizationError } from '../core/errors.js';

export type Target = { kind: 'saving'; pct: number } | { kind: 'bytes'; bytes: number } | { kind: 'max-drop'; points: number };
export const SEARCHES = ['greedy', 'knapsack'] as const;
export type Search = (typeof SEARCHES)[number];

export interface Selection {
  layers: string[];
  savedBits: number;
  savingVsInt8Pct: number;
  kernelWeightBytes: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function int8Bits(layers: readonly LayerInfo[]): number {
  return layers.reduce((s, l) => s + 8 * l.weights, 0);
}

export function maxSavingPct(layers: readonly LayerInfo[]): number {
  return (100 * layers.reduce((s, l) => s + l.bitsSaved, 0)) / int8Bits(layers);
}

/** Parses --budget: "23.05%" (saved vs 8-bit) or "150000B" / "150000" (kernel-weight bytes). */
export function parseBudget(text: string, layers: readonly LayerInfo[]): Target {
  const t = text.trim();
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
    const all = int8Bits(layers) / 8, least = (int8Bits(layers) - layers.reduce((s, l) => s + l.bitsSaved, 0)) / 8;
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

export function describe(layers: readonly LayerInfo[], names: readonly string[]): Selection {
  const set = new Set(names);
  const saved = layers.filter((l) => set.has(l.name)).reduce((s, l) => s + l.bitsSaved, 0);
  const total = int8Bits(layers);
  return { layers: layers.filter((l) => set.has(l.name)).map((l) => l.name), savedBits: saved, savingVsInt8Pct: (100 * saved) / total, kernelWeightBytes: (total - saved) / 8 };
}

/** The achievable saving (percent of 8-bit, some subset of layers) nearest to `pct`; ties go to the larger. */
export function nearestAchievableSaving(layers: readonly LayerInfo[], pct: number): number {
  const total = int8Bits(layers);
  const unit = layers.reduce((g, l) => gcd(g, l.bitsSaved), 0) || 1;
  const max = layers.reduce((s, l) => s + l.bitsSaved, 0) / unit;
  if (max > 2 ** 22) throw new QuantizationError('too many distinct savings to enumerate');
  const reach = new Uint8Array(max + 1);
  reach[0] = 1;
  for (const l of layers) {
    const s = l.bitsSaved / unit;
    for (let u = max; u >= s; u--) if (reach[u - s]) reach[u] = 1;
  }
  const want = ((pct / 100) * total) / unit;
  let best = 0;
  for (let u = 0; u <= max; u++) if (reach[u] && Math.abs(u - want) <= Math.abs(best - want)) best = u;
  return (100 * best * unit) / total;
}

/** Layers in ascending cost per bit saved (ties: larger saving first, then name). */
export function greedyOrder(layers: readonly LayerInfo[], metric: MetricName): LayerInfo[] {
  return [...layers].sort((a, b) => metricCost(a, metric) / a.bitsSaved - metricCost(b, metric) / b.bitsSaved || b.bitsSaved - a.bitsSaved || (a.name < b.name ? -1 : 1));
}

export function selectForMemory(layers: readonly LayerInfo[], metric: MetricName, target: Target, search: Search): Selection {
  const need = neededBits(target, layers);
  if (need <= 0) return describe(layers, []);
  if (search === 'greedy') {
    const picked: string[] = [];
    let saved = 0;
    for (const l of greedyOrder(layers, metric)) {
      if (saved >= need) break;
      picked.push(l.name);
      saved += l.bitsSaved;
    }
    return describe(layers, picked);
  }
  return describe(layers, knapsack(layers, layers.map((l) => metricCost(l, metric)), need));
}

/** Least total cost subset with sum(bitsSaved) >= need. */
function knapsack(layers: readonly LayerInfo[], cost: readonly number[], need: number): string[] {
  let unit = layers.reduce((g, l) => gcd(g, l.bitsSaved), 0) || 1;
  const total = layers.reduce((s, l) => s + l.bitsSaved, 0);
  if (total / unit > 2 ** 18) unit = Math.ceil(total / 2 ** 18); // coarsen: sizes rounded down, need rounded up
  const size = layers.map((l) => Math.floor(l.bitsSaved / unit));
  const cap = Math.ceil(need / unit);
  if (size.reduce((a, x) => a + x, 0) < cap) throw new QuantizationError('no set of layers meets the memory target');
  // rows[i][u]: least cost of a subset of the first i layers saving min(cap, its units) = u
  const rows: Float64Array[] = [new Float64Array(cap + 1).fill(Infinity)];
  rows[0]![0] = 0;
  layers.forEach((_, i) => {
    const prev = rows[i]!, next = prev.slice();
    for (let u = 0; u <= cap; u++) {
      if (prev[u] === Infinity) continue;
      const v = Math.min(cap, u + size[i]!);
      if (prev[u]! + cost[i]! < next[v]!) next[v] = prev[u]! + cost[i]!;
    }
    rows.push(next);
  });
  const picked: string[] = [];
  let u = cap;
  for (let i = layers.length - 1; i >= 0; i--) {
    if (rows[i + 1]![u] === rows[i]![u]) continue; // layer i not taken
    let p = 0;
    while (p <= cap && !(Math.min(cap, p + size[i]!) === u && rows[i]![p]! + cost[i]! === rows[i + 1]![u])) p++;
    if (p > cap) throw new Error('knapsack backtrack failed');
    picked.push(layers[i]!.name);
    u = p;
  }
  return picked.reverse();
}

/** Greedy with re-measurement under an accuracy target. `measure` returns the top-1 drop (points). */
export async function selectForDrop(layers: readonly LayerInfo[], metric: MetricName, maxDrop: number, measure: (names: string[]) => Promise<number>, onStep?: (i: number, n: number) => void): Promise<Selection & { measuredDrop: number }> {
  const picked: string[] = [];
  let drop = 0;
  const order = greedyOrder(layers, metric);
  for (const [i, l] of order.entries()) {
    const d = await measure([...picked, l.name]);
    if (d <= maxDrop) {
      picked.push(l.name);
      drop = d;
    }
    onStep?.(i + 1, order.length);
  }
  return { ...describe(layers, picked), measuredDrop: drop };
}
