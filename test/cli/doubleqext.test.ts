// DoubleQExt from the command line: analyze, quantize under a target, pareto.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, failure, requireBuiltCli } from '../helpers/cli.js';
import { REPO_ROOT, SHARED } from '../helpers/onnx-builder.js';

const RESNET = resolve(SHARED, 'models/resnet20-cifar10.onnx');
const CALIB = resolve(SHARED, 'data/cifar10/calib.bin');
const TEST_BIN = resolve(SHARED, 'data/cifar10/test.bin');
const DATA = ['--calib', CALIB, '--format', 'cifar10', '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225'];
let tmp = '';


beforeAll(() => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-ext-'));
});

describe('doubleq analyze', () => {
  it('reports error, entropy and sensitivity for every weight layer, and a ranking', async () => {
    const r = await cli('analyze', RESNET, ...DATA, '--calib-limit', '100', '--refit-scale', '--bias-correction', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.layers).toHaveLength(20);
    expect(j.metric).toBe('sensitivity');
    for (const l of j.layers) {
      expect(l.sqnrDb).toBeGreaterThan(5);
      expect(l.entropyBits).toBeGreaterThan(3);
      expect(l.entropyBits).toBeLessThanOrEqual(8);
      expect(l.sensitivity.kl).toBeGreaterThanOrEqual(0);
      expect(l.bitsSaved).toBe(3 * l.weights);
    }
    expect(j.layers.map((l: { rank: number }) => l.rank).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(j.seconds.total).toBeGreaterThan(0);
  });
});

describe('doubleq quantize under a target', () => {
  it('--budget 23% picks layers saving at least 23 % and says how', async () => {
    const out = join(tmp, 'b.dq');
    const r = await cli('quantize', RESNET, ...DATA, '--calib-limit', '100', '--budget', '23%', '--metric', 'error', '--search', 'greedy', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.savingVsInt8Pct).toBeGreaterThanOrEqual(23);
    expect(j.savingVsInt8Pct).toBeLessThan(50);
    expect(j.potLayers.length).toBeGreaterThan(0);
    expect(j.selection).toMatchObject({ metric: 'error', search: 'greedy', target: { kind: 'saving', pct: 23 }, tiers: [5, 4] });
    expect(Object.keys(j.selection.bits).sort()).toEqual([...j.potLayers].sort());
    const i = JSON.parse((await cli('inspect', out, '--json')).out);
    expect(i.potLayers).toEqual(j.potLayers);
    expect(i.totals.savingVsInt8Pct).toBeCloseTo(j.savingVsInt8Pct, 10);
  }, 600_000);

  it('--max-drop measures each step on the calibration images', async () => {
    const r = await cli('quantize', RESNET, ...DATA, '--calib-limit', '100', '--max-drop', '0.5', '--bias-correction', '--out', join(tmp, 'd.dq'), '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.selection.search).toBe('greedy-remeasure');
    expect(j.selection.measuredDropPoints).toBeLessThanOrEqual(0.5);
    expect(j.potLayers.length).toBeGreaterThan(0);
  });

  it('--max-drop with the default tiers: each layer int8, 5- or 4-bit; the written model scores the measured drop', async () => {
    const out = join(tmp, 'd54.dq'), q8 = join(tmp, 'd8.dq');
    const r = await cli('quantize', RESNET, ...DATA, '--calib-limit', '50', '--max-drop', '0', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.selection).toMatchObject({ search: 'greedy-remeasure', tiers: [5, 4], target: { kind: 'max-drop', points: 0 } });
    expect(j.selection.measuredDropPoints).toBeLessThanOrEqual(0);
    const widths = Object.values(j.selection.bits) as number[];
    expect(widths.length).toBeGreaterThan(0);
    for (const b of widths) expect([4, 5]).toContain(b);
    expect((await cli('quantize', RESNET, ...DATA, '--calib-limit', '50', '--out', q8, '--json')).code).toBe(0);
    type Row = { name: string; format: string; weightBits: number };
    const rows = async (f: string) => JSON.parse((await cli('inspect', f, '--json')).out).layers as Row[];
    const [l54, l8] = [await rows(out), await rows(q8)];
    l54.forEach((l, i) => {
      const n = l8[i]!.weightBits / 8; // kernel weights of the layer
      expect(l.format).toBe(j.selection.bits[l.name] ? 'pot' : 'int8');
      expect(l.weightBits).toBe(n * (j.selection.bits[l.name] ?? 8));
    });
    const saved = l8.reduce((s, l) => s + l.weightBits, 0) - l54.reduce((s, l) => s + l.weightBits, 0);
    expect(j.savingVsInt8Pct).toBeCloseTo((100 * saved) / l8.reduce((s, l) => s + l.weightBits, 0), 9);
    // the drop was measured on the 50 calibration images: the written model scores exactly that there
    const ev = async (f: string) => JSON.parse((await cli('eval', f, '--data', CALIB, '--format', 'cifar10', '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225', '--limit', '50', '--json')).out).correct as number;
    expect((2 * (await ev(q8) - await ev(out)))).toBeCloseTo(j.selection.measuredDropPoints, 9); // 50 images: one image is two points
  }, 900_000);

  it('bad targets: impossible, negative, not a number, both targets, unknown metric, empty calibration', async () => {
    const q = (...more: string[]) => ['quantize', RESNET, ...DATA, '--calib-limit', '20', '--out', join(tmp, 'x.dq'), ...more];
    expect(await failure(...q('--budget', '51%'))).toBe('doubleq: --budget 51% is impossible: 5/4-bit codes save at most 50.00 % of the 8-bit kernel weights');
    expect(await failure(...q('--budget', '40%', '--rounding', 'log'))).toBe('doubleq: --budget 40% is impossible: 5-bit codes save at most 37.50 % of the 8-bit kernel weights');
    expect(await failure(...q('--budget', '20%', '--tiers', '3'))).toBe("doubleq: --tiers must list distinct code widths among 5 and 4 (e.g. 5,4), got '3'");
    expect(await failure(...q('--budget', '20%', '--method', 'gptq', '--refit-scale'))).toMatch(/--refit-scale and --bias-correction go with --method rule/);
    expect(await failure(...q('--budget', '-5%'))).toMatch(/--budget must be a percentage saved vs 8-bit \(e\.g\. 23\.05%\) or a kernel-weight size in bytes/);
    expect(await failure(...q('--budget', 'half'))).toMatch(/--budget must be a percentage/);
    expect(await failure(...q('--budget', '100B', '--method', 'rule'))).toMatch(/--budget 100B is impossible: the kernel weights need at least 167710 bytes/);
    expect(await failure(...q('--budget', '20%', '--max-drop', '1'))).toBe('doubleq: give one target: --budget or --max-drop');
    expect(await failure(...q('--budget', '20%', '--metric', 'vibes'))).toBe("doubleq: --metric must be one of error, sensitivity, entropy, got 'vibes'");
    expect(await failure(...q('--budget', '20%', '--pot', 'all'))).toBe('doubleq: --pot names the layers itself; it does not go with --budget or --max-drop');
    expect(await failure(...q('--max-drop', 'some'))).toMatch(/--max-drop must be a non-negative number/);
    writeFileSync(join(tmp, 'empty.bin'), new Uint8Array());
    expect(await failure('quantize', RESNET, '--calib', join(tmp, 'empty.bin'), '--format', 'cifar10', '--budget', '20%', '--out', join(tmp, 'y.dq'))).toMatch(/empty file/);
  }, 600_000);
});

describe('doubleq pareto', () => {
  it('writes frontier.json, a Markdown table and an SVG; every point is evaluated', async () => {
    const dir = join(tmp, 'frontier');
    const r = await cli('pareto', RESNET, ...DATA, '--eval', TEST_BIN, '--calib-limit', '100', '--eval-limit', '200', '--step', '12.5', '--metrics', 'error,sensitivity', '--out', dir, '--json');
    expect(r.code, r.err).toBe(0);
    const fr = JSON.parse(readFileSync(join(dir, 'frontier.json'), 'utf8'));
    expect(JSON.parse(r.out)).toEqual(fr);
    expect(fr.curves.map((c: { metric: string }) => c.metric)).toEqual(['error', 'sensitivity']);
    for (const c of fr.curves) {
      const s = c.points.map((p: { savingVsInt8Pct: number }) => p.savingVsInt8Pct);
      expect(s).toEqual([...s].sort((a: number, b: number) => a - b));
      expect(s[0]).toBe(0);
      expect(s.at(-1)).toBe(50); // every layer at 4-bit codes
      for (const p of c.points) {
        expect(p.total).toBe(200);
        expect(p.top1).toBeCloseTo((100 * p.correct) / 200, 10);
        // the flag is exactly "scores above a less aggressive point of the same curve"
        expect(p.aboveLessAggressive).toBe(c.points.some((o: { savingVsInt8Pct: number; correct: number }) => o.savingVsInt8Pct < p.savingVsInt8Pct && o.correct < p.correct));
      }
    }
    expect(fr.curves[0].points[0].correct).toBe(fr.int8.correct);
    const svg = readFileSync(join(dir, 'frontier.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/paper DoubleQExt/);
    expect(readFileSync(join(dir, 'frontier.md'), 'utf8')).toMatch(/\| budget \| saved vs 8-bit \|/);
  }, 600_000);
});
