// Shared-prefix evaluation (src/runtime/shared-prefix.ts, Evaluator.sharedLogits): every
// variant's logits are the bytes of a full evaluation of it, in-process and in the workers, on
// mbv2tiny and ResNet-20, for variants that differ in the first conv, a middle one, the last
// gemm, two layers, none, or the input quantization (that one runs whole).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifar10FromBytes } from '../../../src/data/cifar10.js';
import { writeQModel } from '../../../src/format/qmodel.js';
import type { QGraph } from '../../../src/ir/qgraph.js';
import { createEvaluator, type EvalSet, loadEvalSet } from '../../../src/parallel/eval-pool.js';
import { calibrate } from '../../../src/quant/calibrate.js';
import { mixTiers } from '../../../src/quant/layer-metrics.js';
import { quantizeInt8 } from '../../../src/quant/quantize-int8.js';
import { quantizePot, resolveLayers } from '../../../src/quant/quantize-pot.js';
import { runtimeBytes } from '../../../src/plan/memory-report.js';
import { plan } from '../../../src/plan/planner.js';
import { FloatModel } from '../../../src/runtime/float-model.js';
import { QExecutor } from '../../../src/runtime/q-executor.js';
import { SharedPrefixRunner, sharedPrefixLogits } from '../../../src/runtime/shared-prefix.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import { requireBuiltCli } from '../../helpers/cli.js';
import { REPO_ROOT, SHARED } from '../../helpers/onnx-builder.js';
import { CIFAR_NORM } from '../../helpers/resnet.js';
import { spawnAsync } from '../../helpers/spawn.js';

const IMAGES = 200;
const CALIB = resolve(SHARED, 'data/cifar10/calib.bin');
const sameBytes = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

interface Case { q8: QGraph; names: string[]; variants: { label: string; q: QGraph }[]; set: EvalSet; full: Float32Array[] }

async function setup(model: string): Promise<Case> {
  const m = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(SHARED, 'models', model))));
  const bytes = readFileSync(CALIB).subarray(0, 3073 * IMAGES);
  const ranges = await calibrate(m, cifar10FromBytes(bytes.subarray(0, 3073 * 20), CIFAR_NORM), { method: 'minmax', engine: await loadEngine() });
  const q8 = quantizeInt8(m.graphFor(1), ranges, {});
  const all = resolveLayers(q8, 'all');
  const qpots = new Map([[5, quantizePot(q8, all, { rule: 'log' })], [4, quantizePot(q8, all, { rule: 'floor' })]]);
  const names = q8.nodes.filter((n) => n.op === 'conv' || n.op === 'gemm').map((n) => n.name);
  const [first, mid, last] = [names[0]!, names[names.length >> 1]!, names[names.length - 1]!];
  const mix = (bits: [string, number][]) => mixTiers(q8, qpots, new Map(bits));
  const variants = [
    { label: 'first conv 5-bit', q: mix([[first, 5]]) },
    { label: 'first conv 4-bit', q: mix([[first, 4]]) },
    { label: 'middle conv 4-bit', q: mix([[mid, 4]]) },
    { label: 'last gemm 5-bit', q: mix([[last, 5]]) },
    { label: 'last gemm 4-bit', q: mix([[last, 4]]) },
    { label: 'first and last 4-bit', q: mix([[first, 4], [last, 4]]) },
    { label: 'the base itself', q: mix([]) },
    { label: 'another input scale', q: { ...q8, input: { ...q8.input, q: { ...q8.input.q, scale: q8.input.q.scale * 1.25 } } } },
  ];
  const set = await loadEvalSet(cifar10FromBytes(bytes, CIFAR_NORM));
  const ev = await createEvaluator(set, 1);
  const full = [await ev.logits(q8)];
  for (const v of variants) full.push(await ev.logits(v.q));
  return { q8, names, variants, set, full };
}

describe.each([['mbv2tiny-cifar10.onnx'], ['resnet20-cifar10.onnx']])('shared-prefix evaluation of %s', (model) => {
  let c: Case;
  beforeAll(async () => {
    c = await setup(model);
  }, 180_000);

  it('resumes each variant at its first differing step with the values live there; another input quantization runs whole', async () => {
    const r = new SharedPrefixRunner(await loadEngine(), c.q8, c.variants.map((v) => v.q), 4);
    const steps = r.base.plan.steps, stepOf = (name: string) => steps.findIndex((s) => s.node.name === name);
    const input = c.q8.input.quantized, outputs = c.q8.outputs.map((o) => o.quantized);
    expect(r.resumes.map((x) => x?.step)).toEqual([0, 0, stepOf(c.names[c.names.length >> 1]!), stepOf(c.names.at(-1)!), stepOf(c.names.at(-1)!), 0, steps.length, undefined]);
    expect(r.resumes[0]!.live).toEqual([input]);
    // the last gemm reads one value; the graph outputs are written at or after it, so not copied
    expect(r.resumes[3]!.live).toHaveLength(1);
    expect(r.base.plan.bufferOf.get(r.resumes[3]!.live[0]!)).toBe(r.base.plan.bufferOf.get(steps[stepOf(c.names.at(-1)!)]!.node.inputs[0]!));
    expect(r.resumes[6]!.live).toEqual(outputs);
    expect(r.resumes[2]!.live.length).toBeGreaterThanOrEqual(1);
  });

  it('QExecutor: steps run in two parts give the bytes of one run; bad step ranges, unknown values and a small arena are errors', async () => {
    const e = await loadEngine(), x = c.set.images.subarray(0, 3 * 3072);
    const whole = new QExecutor(c.q8, e, 3), parts = new QExecutor(c.q8, e, 3);
    const want = whole.runQuantized(x, 3)[0]!, half = parts.plan.steps.length >> 1;
    parts.quantize(x, 3);
    parts.executeSteps(3, 0, half);
    parts.executeSteps(3, half, parts.plan.steps.length);
    expect(parts.valueBytes(c.q8.outputs[0]!.quantized, 3)).toEqual(want);
    expect(sameBytes(parts.readOutputs(3)[0]!, whole.run(x, 3)[0]!)).toBe(true);
    expect(() => parts.executeSteps(3, 2, 1)).toThrow(/steps \[2, 1\) are outside the plan's/);
    expect(() => parts.executeSteps(3, 0, parts.plan.steps.length + 1)).toThrow(/outside the plan's/);
    expect(() => parts.valueBytes('nope', 1)).toThrow(/has no value 'nope'/);
    expect(() => new QExecutor(c.q8, e, 3, { arena: { ptr: e.alloc(64), bytes: 64 } })).toThrow(/the given arena has 64 bytes, .* needs/);
  });

  it('in-process: the base and every variant give the bytes of a full evaluation, at batch 100, and at batch 7 in 3 passes of 3 variants', async () => {
    const ev = await createEvaluator(c.set, 1);
    const r = await ev.sharedLogits(c.q8, c.variants.map((v) => v.q));
    expect(sameBytes(r.base, c.full[0]!)).toBe(true);
    c.variants.forEach((v, i) => expect(sameBytes(r.variants[i]!, c.full[i + 1]!), v.label).toBe(true));
    // not vacuous: the variants that change a layer change the logits
    for (const i of [0, 1, 2, 4, 5, 7]) expect(sameBytes(c.full[i + 1]!, c.full[0]!), c.variants[i]!.label).toBe(false);
    const seen: number[] = [];
    let engines = 0;
    const f = runtimeBytes(plan(c.q8, 1)), variantBytes = 3 * (f.weights + f.constants + f.scratch) + 1;
    const small = await sharedPrefixLogits(() => (engines++, loadEngine()), c.set.images, c.set.count, c.q8, c.variants.map((v) => v.q), { maxBatch: 7, variantBytes, onBatch: (d) => void seen.push(d) });
    expect(engines).toBe(3);
    expect(seen).toHaveLength(3 * Math.ceil(IMAGES / 7));
    expect(seen.at(-1)).toBe(IMAGES);
    expect(seen.every((d, i) => i === 0 || d >= seen[i - 1]!)).toBe(true);
    expect(sameBytes(small.base, c.full[0]!)).toBe(true);
    c.variants.forEach((v, i) => expect(sameBytes(small.variants[i]!, c.full[i + 1]!), v.label).toBe(true));
  }, 60_000);

  it('in 2 workers: the same bytes, progress up to the set size; a throwing progress callback ends the request; a worker error names the worker', async () => {
    requireBuiltCli();
    const dir = mkdtempSync(join(tmpdir(), 'dq-shared-prefix-'));
    const models = [c.q8, ...c.variants.map((v) => v.q)];
    models.forEach((q, i) => writeFileSync(join(dir, `${i}.dq`), writeQModel(q)));
    const script = join(dir, 'run.mjs'), dist = (p: string) => JSON.stringify(join(REPO_ROOT, 'dist/src', p));
    writeFileSync(script, `import { readFileSync, writeFileSync } from 'node:fs';
import { cifar10FromBytes } from ${dist('data/cifar10.js')};
import { readQModel } from ${dist('format/qmodel.js')};
import { createEvaluator, loadEvalSet } from ${dist('parallel/eval-pool.js')};
const models = Array.from({ length: ${models.length} }, (_, i) => readQModel(new Uint8Array(readFileSync(${JSON.stringify(dir)} + '/' + i + '.dq'))));
const bytes = readFileSync(${JSON.stringify(CALIB)}).subarray(0, 3073 * ${IMAGES});
const ev = await createEvaluator(await loadEvalSet(cifar10FromBytes(bytes, ${JSON.stringify(CIFAR_NORM)})), 2);
let done = 0;
const r = await ev.sharedLogits(models[0], models.slice(1), (d, t) => { if (t !== ${IMAGES} || d < done) throw new Error('progress ' + d + ' of ' + t); done = d; });
for (const [i, a] of [r.base, ...r.variants].entries()) writeFileSync(${JSON.stringify(dir)} + '/' + i + '.f32', new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
const stopped = await ev.sharedLogits(models[0], models.slice(1), () => { throw new Error('stop'); }).then(() => 'no error', (e) => e.message);
ev.set.images[${IMAGES - 1} * 3072] = Number.NaN;
const error = await ev.sharedLogits(models[0], models.slice(1)).then(() => 'no error', (e) => e.message);
console.log(JSON.stringify({ workers: ev.workers, done, stopped, error }));
await ev.close();
`);
    const run = await spawnAsync(process.execPath, [script], { timeoutMs: 120_000 });
    expect(run.err).toBe('');
    expect(JSON.parse(run.out)).toEqual({ workers: 2, done: IMAGES, stopped: 'stop', error: 'evaluation worker 1: input contains NaN' });
    models.forEach((_, i) => {
      const b = readFileSync(join(dir, `${i}.f32`));
      expect(sameBytes(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4), c.full[i]!), i === 0 ? 'base' : c.variants[i - 1]!.label).toBe(true);
    });
  }, 150_000);
});
