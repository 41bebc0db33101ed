// Output-aware power-of-two rounding ("gptq"): the level-two method that minimises the error
// of each layer's OUTPUT on calibration data instead of each weight's own rounding error.
//
// Per weight layer (conv: per group, K = kh*kw*c/group inputs; gemm: K = k), with X the
// layer's input patches (im2col rows) on calibration images and W a row of float weights:
//   minimise over codes p in {0, +-2^0 .. +-2^emax} and a scale s:  || X W - X s p ||^2
//           = (W - s p)^T H (W - s p),  H = X^T X.
// Algorithm (GPTQ / Optimal Brain Quantization, Frantar et al. 2022, on the PoT grid):
//  1. Sequential statistics: one float pass over the calibration images; when a layer's node
//     has run, its input X already comes from the layers before it with their power-of-two
//     weights (their outputs are patched in place, see 6), so each layer compensates what
//     the earlier ones did. H is accumulated over SAMPLES im2col rows drawn evenly (fixed
//     seed) from all images and output positions; the mean input patch mu over all of them.
//  2. Damping H += DAMP * mean(diag H) * I; columns in descending diag H ("act order").
//  3. Scale search per output channel: s = max|W| / 2^emax * 2^(t/16), t in [-16, 15], the
//     one with least sum_i H_ii (W_i - s p_i)^2 under nearest rounding (one octave suffices:
//     the grid repeats itself at twice the scale except at its ends).
//  4. GPTQ: columns one by one, p_j = nearest PoT of W_j / s (linear thresholds 1.5 * 2^e,
//     0 below s/2, clamped at 2^emax); the rounding error (W_j - s p_j) / U_jj is spread over
//     the later columns through row j of U, the upper Cholesky factor of H^-1.
//  5. Scale re-fit on the output error with the codes fixed: s = W^T H p / p^T H p; steps 4-5
//     run REFITS times.
//  6. Bias correction: b += (W - s p) . mu (the mean output shift the rounding causes); the
//     float pass continues with y += conv(x, s p - W) + that shift.
// Hyperparameters, fixed once for every model: SAMPLES = 8192 rows, DAMP = 0.01, REFITS = 2,
// IMAGES = 1024 (at most; more calibration images do not enter this pass).
// Cost per layer: SAMPLES * nnz(row)^2 / 2 for H (zeros after ReLU skipped), K^3 for the
// factorisations, REFITS * m * K^2 / 2 for the column updates, plus one float forward pass
// over the images for the whole model: the statistics of one batch of all images, computed in
// chunks of GPTQ_CHUNK images run layer-major (the same floats, see runtime/batch-split.ts).
// Models with a fixed batch size: each chunk is one batch of the model (a tail short of a
// whole batch is left out).

import type { Dataset } from '../data/dataset.js';
import type { PotWeights, QGraph, QNode } from '../ir/qgraph.js';
import { f32, type Tensor } from '../ir/tensor.js';
import type { Graph, Node } from '../ir/graph.js';
import { ModelError } from '../ir/errors.js';
import { checkFloatMemory, floatPeakBytes } from '../ir/validate.js';
import { LIMITS } from '../core/limits.js';
import { batchSplitProblem } from '../runtime/batch-split.js';
import { F32BufferPool } from '../runtime/f32-buffer-pool.js';
import { runLayerMajor } from '../runtime/f32-layer-major.js';
import type { FloatModel } from '../runtime/float-model.js';
import type { Engine } from '../engine/engine.js';
import { CalibrationError } from './observers.js';
import { HESSIAN_SAMPLES, StatsAccumulator, type Stats } from './pot-hessian.js';
import { inverseUpperFactor } from './pot-linalg.js';
import { channelRequant } from './quantize-int8.js';
import { type WeightLayer, weightLayers } from './quantize-pot.js';
import { QuantizationError } from '../core/errors.js';
import { roundHalfEven } from '../core/rounding.js';

export const GPTQ_PARAMS = { samples: HESSIAN_SAMPLES, damp: 0.01, refits: 2, images: 1024, scaleSteps: 16 } as const;

export interface GptqOptions {
  /** code width per layer to make power-of-two (layers not named stay as they are) */
  bits: ReadonlyMap<string, 4 | 5>;
  limit: number;
  engine?: Engine;
  onProgress?: (done: number, total: number) => void;
  /** images per chunk of the float pass (default GPTQ_CHUNK); the result does not depend on it */
  chunkImages?: number;
}

/** Images per chunk of the statistics pass: a chunk's activations stay in cache. */
export const GPTQ_CHUNK = 25;

export interface PotLayerResult {
  /** power-of-two integers 0 or +-2^e, e <= emax */
  weights: Int16Array;
  scale: Float32Array;
  /** real mean output shift per channel that the bias must absorb: (W - s p) . mu */
  shift: Float64Array;
}

const emaxOf = (bits: 4 | 5) => (bits === 5 ? 7 : 6);

/** 2^-1 .. 2^32, exact: index e + 1 */
const POW2 = Float64Array.from({ length: 34 }, (_, i) => 2 ** (i - 1));

/** Nearest power-of-two integer of v (linear thresholds), in {0, +-1 .. +-2^emax}. */
export function nearestPot(v: number, emax: number): number {
  const a = Math.abs(v);
  if (a < 0.5) return 0;
  if (a < 1.5) return v < 0 ? -1 : 1;
  let e = 31 - Math.clz32(Math.floor(a)); // -1 .. 31
  if (a >= 1.5 * POW2[e + 1]!) e++;
  if (e > emax) e = emax;
  return v < 0 ? -POW2[e + 1]! : POW2[e + 1]!;
}

/**
 * GPTQ on the PoT grid for rows `w` (m x K, row-major) sharing H; returns the PoT integers and scales.
 * The rows are independent; steps 4-5 run them side by side (row j of U and row i of H are read
 * once per column for every row instead of once per row), each row's arithmetic unchanged.
 */
export function gptqRows(w0: Float64Array, m: number, K: number, hIn: Float64Array, mu: Float64Array, bits: 4 | 5): PotLayerResult {
  const emax = emaxOf(bits);
  const h = hIn.slice();
  for (let i = 0; i < K; i++) for (let j = 0; j < i; j++) h[i * K + j] = h[j * K + i]!; // symmetrize
  let mean = 0;
  for (let i = 0; i < K; i++) mean += h[i * K + i]!;
  mean /= K;
  const lambda = GPTQ_PARAMS.damp * (mean > 0 ? mean : 1);
  for (let i = 0; i < K; i++) h[i * K + i] += lambda;
  const perm = Array.from({ length: K }, (_, i) => i).sort((a, b) => h[b * K + b]! - h[a * K + a]! || a - b);
  const hp = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) hp[i * K + j] = h[perm[i]! * K + perm[j]!]!;
  const u = inverseUpperFactor(hp, K);
  const p = new Int16Array(m * K), scale = new Float32Array(m);
  const w = new Float64Array(m * K), s = new Float64Array(m), rows: number[] = [];
  const steps = Array.from({ length: 2 * GPTQ_PARAMS.scaleSteps }, (_, i) => 2 ** ((i - GPTQ_PARAMS.scaleSteps) / GPTQ_PARAMS.scaleSteps));
  for (let r = 0; r < m; r++) {
    const o = r * K;
    for (let i = 0; i < K; i++) w[o + i] = w0[o + perm[i]!]!;
    let amax = 0;
    for (let i = 0; i < K; i++) amax = Math.max(amax, Math.abs(w[o + i]!));
    if (amax === 0) { scale[r] = 1; continue; }
    // 3. scale search, diagonal output error under nearest rounding
    let sr = amax / 2 ** emax, best = Infinity;
    for (const step of steps) {
      const c = (amax / 2 ** emax) * step;
      let err = 0;
      for (let i = 0; i < K; i++) err += hp[i * K + i]! * (w[o + i]! - c * nearestPot(w[o + i]! / c, emax)) ** 2;
      if (err < best) { best = err; sr = c; }
    }
    s[r] = sr;
    rows.push(r);
  }
  const pr = new Int16Array(m * K), wr = new Float64Array(m * K), hv = new Float64Array(m * K);
  for (let it = 0; it < GPTQ_PARAMS.refits; it++) {
    // 4. column-by-column rounding with error compensation
    wr.set(w);
    for (let j = 0; j < K; j++) {
      const uj = j * K, ujj = u[uj + j]!;
      for (const r of rows) {
        const o = r * K, sr = s[r]!;
        const q = nearestPot(wr[o + j]! / sr, emax);
        pr[o + j] = q;
        const e = (wr[o + j]! - sr * q) / ujj;
        if (e === 0) continue;
        for (let k = j + 1; k < K; k++) wr[o + k] -= e * u[uj + k]!;
      }
    }
    // 5. least-squares scale on the output error: s = w^T H p / p^T H p
    hMatVecRows(hp, K, pr, rows, hv);
    for (const r of rows) {
      const o = r * K;
      let num = 0, den = 0;
      for (let i = 0; i < K; i++) { num += w[o + i]! * hv[o + i]!; den += pr[o + i]! * hv[o + i]!; }
      if (den > 0 && num > 0) s[r] = num / den;
    }
  }
  for (const r of rows) {
    scale[r] = s[r]!;
    for (let i = 0; i < K; i++) p[r * K + perm[i]!] = pr[r * K + i]!;
  }
  const shift = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let d = 0;
    for (let i = 0; i < K; i++) d += (w0[r * K + i]! - scale[r]! * p[r * K + i]!) * mu[i]!;
    shift[r] = d;
  }
  return { weights: p, scale, shift };
}

/** hv[r] = H p[r] for the listed rows (K x K H, rows of K), four rows per pass over a row of H. */
function hMatVecRows(hp: Float64Array, K: number, pr: Int16Array, rows: readonly number[], hv: Float64Array): void {
  for (let i = 0; i < K; i++) {
    const hi = i * K;
    let n = 0;
    for (; n + 4 <= rows.length; n += 4) {
      const o0 = rows[n]! * K, o1 = rows[n + 1]! * K, o2 = rows[n + 2]! * K, o3 = rows[n + 3]! * K;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let j = 0; j < K; j++) {
        const v = hp[hi + j]!;
        a0 += v * pr[o0 + j]!; a1 += v * pr[o1 + j]!; a2 += v * pr[o2 + j]!; a3 += v * pr[o3 + j]!;
      }
      hv[o0 + i] = a0; hv[o1 + i] = a1; hv[o2 + i] = a2; hv[o3 + i] = a3;
    }
    for (; n < rows.length; n++) {
      const o = rows[n]! * K;
      let a = 0;
      for (let j = 0; j < K; j++) a += hp[hi + j]! * pr[o + j]!;
      hv[o + i] = a;
    }
  }
}

/** One layer: GPTQ per group, the new QNode and the float-stream patch (OIHW / [m][k] weight change). */
function quantizeLayer(l: WeightLayer, q: QGraph, wf: Float32Array, st: Stats, bits: 4 | 5): { node: WeightLayer; dW: Float32Array; shift: Float64Array } {
  const m = l.op === 'conv' ? l.geometry.m : l.m, K = st.k, mg = m / st.groups;
  const weights = new Int16Array(m * K), scale = new Float32Array(m), shift = new Float64Array(m);
  for (let grp = 0; grp < st.groups; grp++) {
    const w0 = Float64Array.from(wf.subarray(grp * mg * K, (grp + 1) * mg * K));
    const mu = st.mu[grp]!.map((v) => v / st.rows);
    const r = gptqRows(w0, mg, K, st.h[grp]!, mu, bits);
    weights.set(r.weights, grp * mg * K);
    scale.set(r.scale, grp * mg);
    shift.set(r.shift, grp * mg);
  }
  const sx = q.values.get(l.inputs[0]!)!.q.scale;
  const bias = new Int32Array(m);
  for (let o = 0; o < m; o++) {
    const real = l.bias[o]! * sx * l.weightScale[o]! + shift[o]!;
    bias[o] = roundHalfEven(real / (sx * scale[o]!));
    if (Math.abs(bias[o]!) >= 2 ** 30) throw new QuantizationError(`layer '${l.name}' channel ${o}: the corrected bias overflows int32`);
  }
  const pot: PotWeights = { rule: 'gptq', bits };
  const node = { ...l, weights, pot, weightScale: scale, bias, requant: channelRequant(sx, scale, q.values.get(l.outputs[0]!)!.q.scale, l) };
  const dW = new Float32Array(m * K); // s p - W, in the float op's layout
  if (l.op === 'gemm') for (let i = 0; i < dW.length; i++) dW[i] = scale[Math.floor(i / K)]! * weights[i]! - wf[i]!;
  else {
    const { kh, kw, c, group } = l.geometry, cg = c / group;
    for (let o = 0; o < m; o++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ic = 0; ic < cg; ic++) {
      const src = ((o * kh + i) * kw + j) * cg + ic;
      dW[((o * cg + ic) * kh + i) * kw + j] = scale[o]! * weights[src]! - wf[src]!;
    }
  }
  return { node, dW, shift };
}

/** Gemm (small): y += x * dW^T + shift, the quantized layer's output in place of the float one. */
function patchGemm(l: WeightLayer & { op: 'gemm' }, x: Tensor, y: Tensor, dW: Float32Array, shift: Float64Array): void {
  const yd = y.data as Float32Array, xd = x.data as Float32Array;
  const k = l.k, m = l.m, n = xd.length / k;
  for (let b = 0; b < n; b++) for (let o = 0; o < m; o++) {
    let s = shift[o]!;
    for (let p = 0; p < k; p++) s += dW[o * k + p]! * xd[b * k + p]!;
    yd[b * m + o] += s;
  }
}

/** A PoT conv reading a value: its layer and its private weight and bias data. */
interface Reader { l: WeightLayer; w: Float32Array; b?: Float32Array }

/** The float pass of the statistics: chunks of one batch of `images` images, run layer-major. */
interface Pass { graphs: Graph[]; feeds: Tensor[]; images: number }

/**
 * The pass over the calibration images: one batch of all images, in chunks run layer-major.
 * A model with a fixed batch: each chunk is one batch of the model (its graph mixes only what
 * one batch mixes; a tail short of a whole batch cannot run, as in calibration). Else chunks of
 * `chunk` images when the graph at that batch gives the same floats per image (batch-split.ts);
 * a chunk stays in cache, a 1000-image tensor does not.
 */
async function statsPass(model: FloatModel, data: Dataset, images: number, chunk: number): Promise<Pass> {
  if (model.fixedBatch !== undefined) {
    const batch = model.fixedBatch, count = Math.floor(images / batch), g = model.graphFor(batch);
    if (count === 0) throw new CalibrationError(`output-aware power-of-two rounding: the calibration set has ${images} images, fewer than the model's fixed batch size ${batch}`);
    const need = floatPeakBytes(g) * count;
    if (need > LIMITS.memoryBytes.hi)
      throw new ModelError(`output-aware rounding over ${count * batch} images of '${g.name}' needs ${(need / 2 ** 20).toFixed(0)} MiB of tensors at once, more than the ${LIMITS.memoryBytes.hi / 2 ** 20} MiB limit (memoryBytes): use fewer calibration images`);
    const graphs: Graph[] = [], feeds: Tensor[] = [];
    for await (const b of data.batches(batch, { limit: count * batch })) {
      graphs.push(g);
      feeds.push(f32(g.inputs[0]!.shape, b.images));
    }
    return { graphs, feeds, images: count * batch };
  }
  const full = model.graphFor(images);
  checkFloatMemory(full); // every chunk's tensors are alive at once: as much as one batch of all images
  const size = Math.min(chunk, images), sizes = [size, images % size || size];
  const cuts = (n: number) => {
    try {
      return batchSplitProblem(full, model.graphFor(n)) === undefined;
    } catch (e) {
      if (e instanceof ModelError) return false; // the model does not import at that batch: one batch, as before
      throw e;
    }
  };
  const split = images > size && sizes.every(cuts);
  const graphs: Graph[] = [], feeds: Tensor[] = [];
  for await (const b of data.batches(split ? size : images, { limit: images })) {
    const g = split ? model.graphFor(b.count) : full;
    graphs.push(g);
    feeds.push(f32(g.inputs[0]!.shape, b.images));
  }
  return { graphs, feeds, images };
}

/** Returns a new QGraph whose layers in `o.bits` carry output-aware power-of-two weights. */
export async function quantizePotGptq(q: QGraph, model: FloatModel, floatWeights: ReadonlyMap<string, Float32Array>, data: Dataset, o: GptqOptions): Promise<QGraph> {
  const layers = new Map(weightLayers(q).filter((l) => o.bits.has(l.name)).map((l) => [l.name, l]));
  for (const name of o.bits.keys()) if (!layers.has(name)) throw new QuantizationError(`no weight layer named '${name}'`);
  for (const l of layers.values()) if (l.pot) throw new QuantizationError(`layer '${l.name}' is already power-of-two`);
  if (layers.size === 0) return q;
  const images = Math.min(o.limit, data.size, GPTQ_PARAMS.images);
  if (!(images > 0)) throw new CalibrationError('output-aware power-of-two rounding: the calibration set has no images');
  const stats = new Map<string, Stats>();
  const done = new Map<string, WeightLayer>();
  const shifts = new Map<string, Float64Array>(); // conv layers without a bias input: the output shift, added after the node
  const statsOf = (l: WeightLayer): Stats => {
    let st = stats.get(l.name);
    if (!st) {
      const groups = l.op === 'conv' ? l.geometry.group : 1, k = l.weights.length / (l.op === 'conv' ? l.geometry.m : l.m);
      st = { k, groups, h: Array.from({ length: groups }, () => new Float64Array(k * k)), mu: Array.from({ length: groups }, () => new Float64Array(k)), rows: 0 };
      stats.set(l.name, st);
    }
    return st;
  };
  const finish = (l: WeightLayer, st: Stats) => {
    const r = quantizeLayer(l, q, floatWeights.get(l.name)!, st, o.bits.get(l.name)!);
    done.set(l.name, r.node);
    o.onProgress?.(done.size, layers.size);
    return r;
  };
  const pool = new F32BufferPool(Infinity); // holds every chunk's buffers for reuse; dropped after the pass
  const { graphs, feeds, images: n } = await statsPass(model, data, images, o.chunkImages ?? GPTQ_CHUNK);
  const g0 = graphs[0]!;
  // a private copy of the PoT convs' weight and bias tensors: each is replaced by s * p (and b + shift)
  // just before its node runs, so the layers after it see the quantized prefix (sequential statistics)
  const constants = new Map(g0.constants);
  const byInput = new Map<string, Reader[]>();
  for (const nd of g0.nodes) {
    const l = layers.get(nd.name);
    if (!l || l.op !== 'conv' || nd.op !== 'Conv') continue;
    const copy = (v: string) => {
      const t = g0.constants.get(v)!, c = f32(t.shape, (t.data as Float32Array).slice());
      constants.set(v, c);
      return c.data as Float32Array;
    };
    const w = copy(nd.inputs[1]!), b = nd.inputs[2] ? copy(nd.inputs[2]) : undefined;
    byInput.set(nd.inputs[0]!, [...(byInput.get(nd.inputs[0]!) ?? []), { l, w, b }]);
  }
  // statistics are created (and seeded by that order) as the one-batch pass did: a gemm layer's
  // own, then the convs reading each output of a node
  const accOf = (l: WeightLayer) => new StatsAccumulator(l, statsOf(l), 0x9e3779b9 ^ stats.size, n);
  const readers = (v: string) => byInput.get(v) ?? [];
  const finishConvs = (cs: readonly Reader[], accs: readonly StatsAccumulator[]) => cs.forEach((c, k) => {
    accs[k]!.end();
    const r = finish(c.l, statsOf(c.l));
    for (let i = 0; i < c.w.length; i++) c.w[i] += r.dW[i]!;
    if (c.b) for (let m = 0; m < c.b.length; m++) c.b[m] += r.shift[m]!;
    else shifts.set(c.l.name, r.shift);
  });
  const beforeConvs = (value: string, xs: readonly Tensor[]) => {
    const cs = readers(value), accs = cs.map((c) => accOf(c.l));
    for (const x of xs) for (const a of accs) a.add(x);
    finishConvs(cs, accs);
  };
  // per node: its gemm statistics and its readers' statistics, fed chunk by chunk while the tensors are in cache
  let gemmAcc: StatsAccumulator | undefined, outAccs: StatsAccumulator[][] = [];
  const observeChunk = (node: Node, c: number, outs: readonly Tensor[], ins: readonly (Tensor | undefined)[]) => {
    const l = layers.get(node.name), gemm = l?.op === 'gemm';
    if (c === 0) {
      gemmAcc = gemm ? accOf(l) : undefined;
      outAccs = gemm ? [] : node.outputs.map((v) => readers(v).map((r) => accOf(r.l)));
    }
    gemmAcc?.add(ins[0]!);
    const sh = l && shifts.get(l.name);
    if (sh && l.op === 'conv') {
      const hw = l.geometry.oh * l.geometry.ow, m = l.geometry.m, y = outs[0]!.data as Float32Array;
      for (let i = 0; i < y.length; i++) y[i] += sh[Math.floor(i / hw) % m]!;
    }
    outAccs.forEach((accs, k) => accs.forEach((a) => a.add(outs[k]!)));
  };
  const observe = (node: Node, outs: readonly (readonly Tensor[])[], ins: readonly (readonly (Tensor | undefined)[])[]) => {
    const l = layers.get(node.name);
    if (l && l.op === 'gemm') { // its output changes with the patch: its readers' statistics come after it
      gemmAcc!.end();
      const r = finish(l, statsOf(l));
      ins.forEach((x, c) => patchGemm(l, x[0]!, outs[c]![0]!, r.dW, r.shift));
      node.outputs.forEach((v, k) => beforeConvs(v, outs.map((t) => t[k]!)));
    } else node.outputs.forEach((v, k) => finishConvs(readers(v), outAccs[k]!));
  };
  beforeConvs(g0.inputs[0]!.name, feeds);
  // Relu / Clip in place: the hook reads only Gemm inputs and node outputs
  runLayerMajor(graphs, feeds, constants, { engine: o.engine, pool, observe, observeChunk, inPlace: true });
  pool.clear();
  for (const name of layers.keys()) if (!done.has(name)) throw new QuantizationError(`output-aware rounding: layer '${name}' was never run`);
  return { ...q, nodes: q.nodes.map((n): QNode => done.get(n.name) ?? n) };
}
