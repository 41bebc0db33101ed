// Issue 10 from the command line: --weights compact|fast on the commands that run the integer
// executor and on inspect; quantize --budget ... --budget-of runtime; inspect's runtime memory
// against the engine's own allocation count. On the embedded default model (no ../shared needed).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readQModel } from '../../src/format/qmodel.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { cli, failureWithCode, requireBuiltCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/onnx-builder.js';

const MNIST = join(REPO_ROOT, 'models', 'mnist-resnet.onnx');
const CALIB = ['--calib', 'train', '--format', 'mnist', '--calib-limit', '100'];
let tmp = '', pot = '', q8 = '';

async function json(...args: string[]) {
  const r = await cli(...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

/** Wasm memory the engine allocates for an executor of the .dq file at batch 1. */
async function engineCount(file: string, weights: 'compact' | 'fast'): Promise<number> {
  const e = await loadEngine();
  const before = e.allocatedBytes;
  new QExecutor(readQModel(readFileSync(file)), e, 1, { weights });
  return e.allocatedBytes - before;
}

beforeAll(async () => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-weights-'));
  pot = join(tmp, 'pot.dq');
  q8 = join(tmp, 'q8.dq');
  await json('quantize', MNIST, ...CALIB, '--pot', 'all', '--out', pot);
  await json('quantize', MNIST, ...CALIB, '--out', q8);
}, 120_000);

describe('inspect on a .dq: the whole footprint', () => {
  it('per layer resident bytes, runtimeBytes by part beside file size and kernel bits; total = the engine count, both forms', async () => {
    for (const weights of ['compact', 'fast'] as const) {
      for (const file of [q8, pot]) {
        const j = await json('inspect', file, '--weights', weights);
        expect(j.weights).toBe(weights);
        const rt = j.totals.runtimeBytes;
        expect(Object.keys(rt).sort()).toEqual(['arena', 'constants', 'scratch', 'total', 'weights']);
        expect(rt.weights + rt.constants + rt.scratch + rt.arena).toBe(rt.total);
        expect(rt.total).toBe(await engineCount(file, weights));
        expect(rt.arena).toBeGreaterThanOrEqual(j.totals.arenaBytes);
        const layers = j.layers.filter((l: { weightBits: number }) => l.weightBits > 0);
        expect(layers.length).toBe(5);
        for (const l of layers) expect(l.residentWeightBytes).toBeGreaterThan(0);
        // each layer's region is 16-byte aligned inside the weight region
        const perLayer = layers.reduce((s: number, l: { residentWeightBytes: number; residentConstantBytes: number }) => s + l.residentWeightBytes + l.residentConstantBytes, 0);
        expect(perLayer).toBeLessThanOrEqual(rt.weights + rt.constants);
        expect(rt.weights + rt.constants - perLayer).toBeLessThan(16 * (layers.length + 1) + 64);
        expect(j.totals.fileBytes).toBe(readFileSync(file).length);
        expect(j.totals.kernelWeightBits.actual).toBeGreaterThan(0);
        const text = (await cli('inspect', file, '--weights', weights)).out;
        expect(text).toContain(`runtime memory at batch 1 (--weights ${weights}): ${rt.total.toLocaleString('en-US')} bytes`);
        expect(text).toMatch(/resident B/);
      }
    }
    const compact = await json('inspect', pot), fast = await json('inspect', pot, '--weights', 'fast'), int8 = await json('inspect', q8);
    expect(compact.totals.runtimeBytes.total).toBeLessThan(int8.totals.runtimeBytes.total); // codes resident at their width
    expect(fast.totals.runtimeBytes.weights).toBeGreaterThan(compact.totals.runtimeBytes.weights);
  }, 120_000);

  it('bad --weights is a usage error naming the flag', async () => {
    for (const args of [['inspect', pot], ['eval', pot, '--data', 'test', '--format', 'mnist'], ['demo']]) {
      const f = await failureWithCode(...args, '--weights', 'tiny');
      expect(f.code).toBe(2);
      expect(f.line).toMatch(/--weights must be one of compact, fast, got 'tiny'|--weights.*tiny/);
    }
  });
});

describe('eval --weights', () => {
  it('the same predictions in both forms', async () => {
    const [c, f] = await Promise.all([json('eval', pot, '--data', 'test', '--format', 'mnist', '--limit', '300'),
      json('eval', pot, '--data', 'test', '--format', 'mnist', '--limit', '300', '--weights', 'fast')]);
    expect([c.weights, f.weights]).toEqual(['compact', 'fast']);
    expect(f.correct).toBe(c.correct);
    expect(c.total).toBe(300);
  }, 120_000);
});

describe('quantize --budget <bytes> --budget-of runtime', () => {
  it("the chosen model's runtime memory is within the budget, by inspect and by the engine", async () => {
    const r8 = (await json('inspect', q8)).totals.runtimeBytes.total, rAll = (await json('inspect', pot)).totals.runtimeBytes.total;
    const budget = Math.floor((r8 + rAll) / 2), out = join(tmp, 'rt.dq');
    const j = await json('quantize', MNIST, ...CALIB, '--budget', `${budget}B`, '--budget-of', 'runtime', '--metric', 'error', '--out', out);
    expect(j.selection.target).toEqual({ kind: 'runtime', bytes: budget });
    expect(j.potLayers.length).toBeGreaterThan(0);
    expect(j.runtimeBytes).toBeLessThanOrEqual(budget);
    expect((await json('inspect', out)).totals.runtimeBytes.total).toBe(j.runtimeBytes);
    expect(await engineCount(out, 'compact')).toBe(j.runtimeBytes);
  }, 120_000);

  it('usage errors: a percentage with runtime, an unknown --budget-of, --budget-of alone; an impossible size is an input error', async () => {
    const out = join(tmp, 'never.dq');
    const cases: [string[], number, RegExp][] = [
      [['--budget', '20%', '--budget-of', 'runtime'], 2, /--budget-of runtime takes a size in bytes of wasm memory \(e\.g\. 150000B\), got '20%'/],
      [['--budget', '1000B', '--budget-of', 'ram'], 2, /--budget-of must be one of kernel, runtime, got 'ram'/],
      [['--budget-of', 'runtime'], 2, /--budget-of goes with --budget/],
      [['--budget', '1000B', '--budget-of', 'runtime'], 1, /--budget 1000B of runtime memory is impossible: the executor needs at least \d+ bytes/],
    ];
    for (const [args, code, msg] of cases) {
      const f = await failureWithCode('quantize', MNIST, ...CALIB, ...args, '--out', out);
      expect(f.code, f.line).toBe(code);
      expect(f.line).toMatch(msg);
    }
  }, 120_000);
});

describe('pareto --budget-of runtime', () => {
  it('sweeps runtime budgets: every point within its budget; the plot is of runtime memory saved', async () => {
    const out = join(tmp, 'frontier-rt');
    const j = await json('pareto', MNIST, ...CALIB, '--eval', 'test', '--eval-limit', '100', '--metrics', 'error', '--step', '5', '--budget-of', 'runtime', '--out', out);
    expect(j.config.budgetOf).toBe('runtime');
    const r8 = (await json('inspect', q8)).totals.runtimeBytes.total;
    expect(j.int8.runtimeBytes).toBe(r8);
    const pts = j.curves[0].points;
    expect(pts.length).toBeGreaterThan(1);
    for (const p of pts) expect(p.runtimeBytes).toBeLessThanOrEqual(Math.floor(r8 * (1 - p.budgetPct / 100)));
    expect(readFileSync(join(out, 'frontier.svg'), 'utf8')).toContain('top-1 vs runtime memory saved');
    expect(readFileSync(join(out, 'frontier.md'), 'utf8')).toMatch(/\| runtime \(bytes\) \|/);
    const f = await failureWithCode('pareto', MNIST, ...CALIB, '--eval', 'test', '--budget-of', 'disk', '--out', out);
    expect(f).toEqual({ code: 2, line: "doubleq: --budget-of must be one of kernel, runtime, got 'disk'" });
  }, 180_000);
});
