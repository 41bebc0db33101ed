// `doubleq demo`: the main job on the embedded default, from the shipped digits only.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/onnx-builder.js';
import { spawnAsync } from '../helpers/spawn.js';

const BIN = join(REPO_ROOT, 'bin', 'doubleq.js');

describe('doubleq demo', () => {
  it('float, 8-bit, DoubleQExt at the default budget and all-PoT, each on the 2,000 test digits', async () => {
    const r = await spawnAsync(process.execPath, [BIN, 'demo', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe(''); // no progress bar with --json
    const j = JSON.parse(r.out);
    expect(j.rows.map((x: { model: string }) => x.model)).toEqual(['float32', 'int8', 'doubleqext', 'doubleq']);
    for (const row of j.rows) expect(row.total).toBe(2000);
    const [fl, i8, ext, all] = j.rows;
    expect(fl.correct).toBe(1954); // models/README.md: the exported ONNX scores 1954/2000 in onnxruntime
    expect(Math.abs(i8.top1 - fl.top1)).toBeLessThan(1);
    expect(i8.kernelWeightBytes * 4).toBe(fl.kernelWeightBytes);
    expect(j.budget).toBe('23.05%');
    expect(ext.savingVsInt8Pct).toBeGreaterThanOrEqual(23.05);
    expect(ext.savingVsInt8Pct).toBeLessThan(37.5);
    expect(ext.potLayers.length).toBeGreaterThan(0);
    expect(all.savingVsInt8Pct).toBe(37.5);
    expect(all.potLayers).toHaveLength(j.layers.int8.length);
    // the selection is the point: it keeps accuracy that all-PoT loses
    expect(ext.top1).toBeGreaterThan(all.top1);
    expect(j.summary).toContain('DoubleQExt');
    for (const [name, layers] of Object.entries(j.layers) as [string, { kernelBits: number }[]][])
      expect(layers.reduce((s, l) => s + l.kernelBits, 0) / 8, name).toBe(j.rows.find((x: { model: string }) => x.model === name).kernelWeightBytes);
  });

  it('takes a budget and rejects an impossible one with one line', async () => {
    const ok = JSON.parse((await spawnAsync(process.execPath, [BIN, 'demo', '--json', '--budget', '10%'])).out);
    expect(ok.rows[2].savingVsInt8Pct).toBeGreaterThanOrEqual(10);
    const bad = await spawnAsync(process.execPath, [BIN, 'demo', '--budget', '60%']);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/60% is impossible/);
  });
});
