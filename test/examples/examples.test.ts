// The README's library examples, run as files (examples/*.mjs) against the built package.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/onnx-builder.js';
import { spawnAsync } from '../helpers/spawn.js';

const example = (name: string) => spawnAsync(process.execPath, [join(REPO_ROOT, 'examples', name)], { cwd: REPO_ROOT });

describe('examples/', () => {
  it('the package is built (the examples import it by name)', () => {
    expect(existsSync(join(REPO_ROOT, 'dist', 'src', 'index.js')), 'run `npm run build` first').toBe(true);
  });

  it('the README shows examples/quantize.mjs as it is', () => {
    const code = readFileSync(join(REPO_ROOT, 'examples', 'quantize.mjs'), 'utf8').replace(/^(\/\/.*\n)+/, '').trim(); // without the header comment
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain(code);
  });

  it('quantize.mjs: 8-bit, DoubleQExt, named layers, max-drop; save, load and run', async () => {
    const r = await example('quantize.mjs');
    expect(r.code, r.err).toBe(0);
    const lines = Object.fromEntries(r.out.trim().split('\n').map((l) => [l.split(':')[0], l]));
    expect(lines['int8']).toMatch(/^int8: 0 PoT layers, 0\.00 % saved/);
    const ext = /doubleqext: (\d) PoT layers, ([\d.]+) % saved vs 8-bit, top-1 ([\d.]+) %/.exec(lines['doubleqext']!)!;
    expect(Number(ext[2])).toBeGreaterThanOrEqual(23.05);
    expect(lines['named']).toMatch(/^named: 1 PoT layers/);
    const drop = /max-drop: \d PoT layers, [\d.]+ % saved vs 8-bit, top-1 ([\d.]+) %/.exec(lines['max-drop']!)!;
    const int8 = Number(/top-1 ([\d.]+)/.exec(lines['int8']!)![1]);
    expect(int8 - Number(drop[1])).toBeLessThan(2); // within 0.5 on the calibration images; the test split may differ a little
    expect(r.out).toMatch(/saved \d+ bytes; predictions [\d,]+, labels [\d,]+/);
  });

  it('memory.mjs: the memory table sums to its totals', async () => {
    const r = await example('memory.mjs');
    expect(r.code, r.err).toBe(0);
    const rows = r.out.trim().split('\n');
    const bits = rows.filter((l) => / bits {2}file /.test(l)).map((l) => Number(/(\d+) bits/.exec(l)![1]));
    const totals = rows.find((l) => l.startsWith('kernel weights'))!;
    expect(bits.reduce((a, b) => a + b, 0) / 8).toBe(Number(/kernel weights (\d+) B/.exec(totals)![1]));
    const rt = /runtime budget (\d+) B: (\d) PoT layers, resident (\d+) B \(compact\), (\d+) B \(fast\)/.exec(rows.at(-1)!)!;
    expect(Number(rt[3])).toBeLessThanOrEqual(Number(rt[1]));
    expect(Number(rt[2])).toBeGreaterThan(0);
    expect(Number(rt[4])).toBeGreaterThan(Number(rt[3]));
  });

  it('frontier.mjs: curves from 0 % to the all-PoT saving, and an aborted call', async () => {
    const r = await example('frontier.mjs');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^sensitivity\s+0\.00 % saved/m);
    expect(r.out).toMatch(/^error\s+37\.50 % saved/m);
    expect(r.out).toMatch(/calibrate aborted: AbortError/);
  });
});
